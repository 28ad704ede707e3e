"""Modes and KL on Stacked MNIST (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018): each channel of a
generated image is read by the MNIST classifier, and the triples of digits are counted."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ganzoo.errors import UserError
from ganzoo.metrics.classifier import load_classifier
from ganzoo.metrics.protocol import count_tag, register_metric
from ganzoo.metrics.samples import ImageContext, generated, rebatch

#: Generated samples of the protocol (PacGAN and VEEGAN: 26,000).
NUM_SAMPLES = 26_000
NUM_MODES = 1000


def mode_counts(digits: Tensor) -> Tensor:
    """(n, 3) digits → how many samples fall on each of the 1,000 triples (red digit first)."""
    return torch.bincount((digits.long() * torch.tensor([100, 10, 1])).sum(1), minlength=NUM_MODES)


def modes_and_kl(counts: Tensor) -> dict[str, float]:
    """``modes``: triples with at least one sample; ``kl``: KL(empirical triple distribution ‖ uniform over 1,000)
    = Σ p log(1000·p), in nats, the definition in PacGAN's and VEEGAN's code."""
    p = counts.double() / counts.sum()
    p = p[p > 0]
    return {"modes": float(len(p)), "kl": float((p * (p * NUM_MODES).log()).sum())}


@torch.no_grad()
def classify_channels(images: Tensor, classifier: Any) -> Tensor:
    """(n, 3, H, W) images in [−1, 1] → (n, 3) digits, each channel read as one grey image."""
    n, channels = images.shape[:2]
    grey = images.reshape(n * channels, 1, *images.shape[2:])
    return classifier(grey.to(next(classifier.parameters()).device)).argmax(1).reshape(n, channels).cpu()


def _check_stacked(ctx: ImageContext) -> None:
    from ganzoo.data.stacked_mnist import StackedMNISTData

    if not isinstance(ctx.datamodule, StackedMNISTData):
        raise UserError(f"modes_stacked counts the digit triples of Stacked MNIST; {type(ctx.datamodule).__name__} is "
                        "not it (use --data stacked_mnist, or the metrics fid, kid, is)")  # fmt: skip


@register_metric("modes_stacked", "images", default=False, check=_check_stacked)
def modes_stacked_metric(ctx: ImageContext) -> dict[str, float]:
    """Modes covered and KL to uniform of 26,000 generated images (``modes_stacked_26k``, ``kl_stacked_26k``)."""
    o = ctx.options
    classifier = load_classifier("mnist").to(ctx.model.device)
    batches = rebatch(generated(ctx.model, NUM_SAMPLES, o.seed, o.ema), o.batch_size)
    counts = sum(mode_counts(classify_channels(batch, classifier)) for batch in batches)
    ctx.settings |= {"n_fake": NUM_SAMPLES, "classifier": "small_cnn_mnist"}
    values = modes_and_kl(counts)
    tag = count_tag(NUM_SAMPLES)
    return {f"modes_stacked_{tag}": values["modes"], f"kl_stacked_{tag}": values["kl"]}


def real_floor(dataset: Any, n: int = NUM_SAMPLES) -> dict[str, float]:
    """The metric on the first ``n`` real images of a Stacked MNIST split: the floor a perfect generator reaches
    (the KL of a finite sample of a uniform distribution, plus the classifier's errors)."""
    classifier = load_classifier("mnist")
    counts = sum(mode_counts(classify_channels(x, classifier)) for x, _ in _batches(dataset, n))
    return modes_and_kl(counts)


def _batches(dataset: Any, n: int, size: int = 1000):
    for start in range(0, min(n, len(dataset)), size):
        yield dataset.__getitems__(list(range(start, min(start + size, n))))


__all__ = ["NUM_SAMPLES", "classify_channels", "mode_counts", "modes_and_kl", "real_floor"]
