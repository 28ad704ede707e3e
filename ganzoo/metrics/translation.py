"""Metrics of an unpaired translation model (CycleGAN) on two-domain data, in both directions.

- ``acc_a2b``: label preservation, the share of A test images whose translation G(a) the *target* domain's classifier
  assigns a's label; ``acc_a2b_baseline`` is the same classifier on the untranslated a ("no adaptation").
- ``fid_lenet_a2b``: FID between translated A images and real B test images, on the B classifier's features
  (``fid_a2b`` on Inception features); ``fid_lenet_a2b_baseline`` compares the untranslated A images instead.

and the same for ``b2a``. Accuracies need labelled domains with shipped classifiers (``mnist_usps``:
MNIST's and USPS's small CNNs); on other data only the Inception FIDs are defined.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.utils.data import Dataset

from ganzoo.data.unpaired import gather
from ganzoo.errors import UserError
from ganzoo.metrics.features import Features, InceptionFeatures, SmallCNNFeatures
from ganzoo.metrics.image_metrics import fid
from ganzoo.metrics.protocol import Context, register_metric
from ganzoo.metrics.samples import FeatureSet

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


def _feature(ctx: Context) -> str:
    chosen = ctx.options.feature
    if chosen == "auto":
        chosen = "lenet" if ctx.datamodule.classifiers else "inception"
    if chosen == "lenet" and not ctx.datamodule.classifiers:
        raise UserError(f"{type(ctx.datamodule).__name__} has no small-CNN classifiers of its domains; use --feature "
                        "inception")  # fmt: skip
    return chosen


@register_metric("translation", "translation", check=_feature)
def translation_metrics(ctx: Context) -> dict[str, float]:
    """Label-preservation accuracies (with their no-adaptation baselines) and FIDs of a translation model on the
    first ``n_real`` images (all if None) of each domain of the datamodule's split."""
    model, dm, o = ctx.model, ctx.datamodule, ctx.options
    feature = _feature(ctx)
    if feature == "lenet":
        nets: dict[str, Features] = {d: SmallCNNFeatures(name) for d, name in zip("ab", dm.classifiers, strict=True)}
    else:
        nets = dict.fromkeys("ab", InceptionFeatures(o.inception_weights))
    if o.split not in dm.datasets:
        dm.setup("test" if o.split == "test" else "fit")
    pairs = dm.datasets[o.split]
    domains = {"a": pairs.a, "b": pairs.b}
    sizes = {d: len(ds) if o.n_real is None else min(o.n_real, len(ds)) for d, ds in domains.items()}
    labelled = feature == "lenet" and dm.num_classes > 0
    tag = "lenet_" if feature == "lenet" else ""
    values: dict[str, float] = {}
    with torch.no_grad():
        for direction, (src, tgt) in DIRECTIONS.items():
            net = nets[tgt].to(model.device)
            real, _ = _features(net, domains[tgt], sizes[tgt], o.batch_size)
            source, labels = _features(net, domains[src], sizes[src], o.batch_size)
            fake, _ = _features(net, domains[src], sizes[src], o.batch_size,
                                lambda x, d=direction: model.translate(x, d, ema=o.ema))  # fmt: skip
            if labelled:
                values[f"acc_{direction}"] = (fake.logits.argmax(1) == labels).float().mean().item()
                values[f"acc_{direction}_baseline"] = (source.logits.argmax(1) == labels).float().mean().item()
            values[f"fid_{tag}{direction}"] = fid(real, fake)
            values[f"fid_{tag}{direction}_baseline"] = fid(real, source)
    ctx.settings |= {
        "split": o.split, "n_a": sizes["a"], "n_b": sizes["b"], "feature": feature,
        "weights": {d: net.weights for d, net in nets.items()}, "engine": nets["a"].engine,
    }  # fmt: skip
    return values
