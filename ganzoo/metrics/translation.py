"""Metrics of an unpaired translation model (CycleGAN) on two-domain data, in both directions.

- ``acc_a2b``: label preservation, the share of A test images whose translation G(a) the *target* domain's classifier
  assigns a's label; ``acc_a2b_baseline`` is the same classifier on the untranslated a ("no adaptation").
- ``fid_lenet_a2b``: FID between translated A images and real B test images, on the B classifier's features
  (``fid_a2b`` on Inception features); ``fid_lenet_a2b_baseline`` compares the untranslated A images instead.

and the same for ``b2a``. Accuracies need labelled domains with shipped classifiers (``mnist_usps``:
MNIST's and USPS's small CNNs); on other data only the Inception FIDs are defined.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import torch
from torch import Tensor
from torch.utils.data import Dataset

from ganzoo.data.unpaired import gather
from ganzoo.errors import UserError
from ganzoo.metrics.features import Features, InceptionFeatures, SmallCNNFeatures
from ganzoo.metrics.image_metrics import FeatureSet, fid

DIRECTIONS = {"a2b": ("a", "b"), "b2a": ("b", "a")}


def _features(net: Features, dataset: Dataset, n: int, batch_size: int,
              translate: Any = None) -> tuple[FeatureSet, Tensor]:  # fmt: skip
    """Features and logits of the first ``n`` images (translated first, if given), and their labels."""
    device = next(net.parameters()).device
    features, logits, labels = [], [], []
    for i in range(0, n, batch_size):
        x, y = gather(dataset, range(i, min(i + batch_size, n)))
        if translate is not None:
            x = translate(x)
        f, lg = net(x.to(device))
        features.append(f.float().cpu())
        logits.append(lg.float().cpu() if lg is not None else torch.empty(len(x), 0))
        labels.append(torch.as_tensor(y))
    return FeatureSet(torch.cat(features), torch.cat(logits)), torch.cat(labels)


def evaluate_translation(
    model: Any,
    dm: Any,
    feature: Literal["lenet", "inception"] | None = None,
    n: int | None = None,
    split: str = "test",
    batch_size: int = 500,
    ema: bool = True,
    inception_weights: str | None = None,
) -> list[dict]:
    """Label-preservation accuracies (with their no-adaptation baselines) and FIDs of ``model`` (anything with
    ``translate(x, direction, ema)``) on the first ``n`` images (all if None) of each domain of ``dm``'s ``split``;
    one JSON-ready record per value. ``feature`` defaults to ``lenet`` where ``dm`` has classifiers, else
    ``inception``."""
    start = time.perf_counter()
    classifiers = getattr(dm, "classifiers", None)
    feature = feature or ("lenet" if classifiers else "inception")
    if feature == "lenet":
        if not classifiers:
            raise UserError(f"{type(dm).__name__} has no small-CNN classifiers of its domains; use --feature inception")
        nets: dict[str, Features] = {d: SmallCNNFeatures(name) for d, name in zip("ab", classifiers, strict=True)}
    elif feature == "inception":
        nets = dict.fromkeys("ab", InceptionFeatures(inception_weights))
    else:
        raise UserError(f"unknown feature network {feature!r}; choose lenet or inception")
    if split not in dm.datasets:
        dm.setup("test" if split == "test" else "fit")
    pairs = dm.datasets[split]
    domains = {"a": pairs.a, "b": pairs.b}
    sizes = {d: len(ds) if n is None else min(n, len(ds)) for d, ds in domains.items()}
    labelled = feature == "lenet" and dm.num_classes > 0
    tag = "lenet_" if feature == "lenet" else ""
    values: dict[str, float] = {}
    with torch.no_grad():
        for direction, (src, tgt) in DIRECTIONS.items():
            net = nets[tgt].to(model.device)
            real, _ = _features(net, domains[tgt], sizes[tgt], batch_size)
            source, labels = _features(net, domains[src], sizes[src], batch_size)
            fake, _ = _features(net, domains[src], sizes[src], batch_size,
                                lambda x, d=direction: model.translate(x, d, ema=ema))  # fmt: skip
            if labelled:
                values[f"acc_{direction}"] = (fake.logits.argmax(1) == labels).float().mean().item()
                values[f"acc_{direction}_baseline"] = (source.logits.argmax(1) == labels).float().mean().item()
            values[f"fid_{tag}{direction}"] = fid(real, fake)
            values[f"fid_{tag}{direction}_baseline"] = fid(real, source)
    settings = {
        "model": type(model).__name__, "data": type(dm).__name__, "kimg": model.images_seen / 1000,
        "g_steps": model.g_steps, "split": split, "n_a": sizes["a"], "n_b": sizes["b"], "feature": feature,
        "weights": {d: net.weights for d, net in nets.items()},
        "ema": bool(ema and model.generator_ema is not None), "seconds": round(time.perf_counter() - start, 2),
    }  # fmt: skip
    return [{"metric": name, "value": value, **settings} for name, value in values.items()]
