"""Image metrics by name, NVlabs style: each is a few registered lines over precomputed features.

Features are computed once per image set (real sets are cached), then FID, KID and IS go through torchmetrics,
which receives the features through an identity "feature network". A result's name states its protocol:
``fid_10k_test`` (Inception FID, 10,000 generated images against the test split), ``fid_lenet_10k_test`` (the same
on the small CNN's features), ``is_lenet_10k`` (classifier Inception Score, the "MNIST score").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import Tensor, nn

from ganzoo.errors import UserError

# The features are complete where a metric is computed (one process under DDP), so torchmetrics must not gather
# them across processes: ``sync_on_compute=False`` everywhere.


@dataclass
class FeatureSet:
    features: Tensor  # (N, D) float32
    logits: Tensor | None  # (N, K) or None when the network has no classifier head


class _Given(nn.Module):
    """A torchmetrics "feature network" that receives the features themselves."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features

    def forward(self, x: Tensor) -> Tensor:
        return x


def fid(real: FeatureSet, fake: FeatureSet) -> float:
    """Fréchet distance between Gaussians fitted to the two feature sets (Heusel et al. 2017)."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    metric = FrechetInceptionDistance(feature=_Given(real.features.shape[1]), sync_on_compute=False)
    metric.update(real.features.double(), real=True)
    metric.update(fake.features.double(), real=False)
    return float(metric.compute())


def kid(real: FeatureSet, fake: FeatureSet) -> float:
    """Kernel Inception Distance (Bińkowski et al. 2018): unbiased MMD², cubic kernel, mean of 100 subsets."""
    from torchmetrics.image.kid import KernelInceptionDistance

    subset = min(1000, len(real.features), len(fake.features))
    metric = KernelInceptionDistance(
        feature=_Given(real.features.shape[1]), subsets=100, subset_size=subset, sync_on_compute=False
    )
    metric.update(real.features.double(), real=True)
    metric.update(fake.features.double(), real=False)
    return float(metric.compute()[0])


def inception_score(real: FeatureSet | None, fake: FeatureSet) -> float:
    """exp(E[KL(p(y|x) ‖ p(y))]) over 10 splits (Salimans et al. 2016), from the network's class logits."""
    from torchmetrics.image.inception import InceptionScore

    if fake.logits is None:
        raise UserError(
            "these Inception weights have no logits layer (its fc weights are all zero), so an Inception Score "
            "would be meaningless; use the full torchmetrics weights (downloaded by default) or --feature lenet"
        )
    metric = InceptionScore(feature=_Given(fake.logits.shape[1]), splits=10, sync_on_compute=False)
    metric.update(fake.logits.double())
    return float(metric.compute()[0])


@dataclass(frozen=True)
class Metric:
    fn: Callable[..., float]
    uses_real: bool  # whether the name carries the real split


METRICS: dict[str, Metric] = {
    "fid": Metric(fid, uses_real=True),
    "kid": Metric(kid, uses_real=True),
    "is": Metric(inception_score, uses_real=False),
}


def count_tag(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def metric_name(metric: str, feature: str, n_fake: int, split: str) -> str:
    """``fid`` + ``lenet`` + 10000 + ``test`` → ``fid_lenet_10k_test``; Inception is the unnamed default."""
    parts = [metric] + ([feature] if feature != "inception" else []) + [count_tag(n_fake)]
    if METRICS[metric].uses_real:
        parts.append(split)
    return "_".join(parts)


def compute(names: list[str], real: FeatureSet, fake: FeatureSet) -> dict[str, float]:
    """Values of the metrics ``names`` (keys of :data:`METRICS`)."""
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise UserError(f"unknown metric {unknown[0]!r}; choose from {', '.join(METRICS)}")
    return {name: METRICS[name].fn(real, fake) for name in names}
