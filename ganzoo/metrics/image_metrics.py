"""Image metrics, NVlabs style: each is a few registered lines over the evaluation's feature sets.

Features are computed once per image set (real sets are cached), then FID, KID and IS go through torchmetrics,
which receives the features through an identity "feature network". A result's name states its protocol:
``fid_10k_test`` (Inception FID, 10,000 generated images against the test split), ``fid_lenet_10k_test`` (the same
on the small CNN's features), ``is_lenet_10k`` (classifier Inception Score, the "MNIST score").
"""

from __future__ import annotations

import warnings

from torch import Tensor, nn

from ganzoo.errors import UserError
from ganzoo.metrics.protocol import register_metric
from ganzoo.metrics.samples import FeatureSet, ImageContext

# The features are complete where a metric is computed (one process under DDP), so torchmetrics must not gather
# them across processes: ``sync_on_compute=False`` everywhere.


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
    with warnings.catch_warnings():  # "will save all extracted features": these features are already in memory
        warnings.filterwarnings("ignore", message=".*will save all extracted features.*")
        metric = KernelInceptionDistance(
            feature=_Given(real.features.shape[1]), subsets=100, subset_size=subset, sync_on_compute=False
        )
    metric.update(real.features.double(), real=True)
    metric.update(fake.features.double(), real=False)
    return float(metric.compute()[0])


NO_LOGITS = (
    "these Inception weights have no logits layer (its fc weights are all zero), so an Inception Score would be "
    "meaningless; use the full torchmetrics weights (downloaded by default) or --feature lenet"
)


def inception_score(real: FeatureSet | None, fake: FeatureSet) -> float:
    """exp(E[KL(p(y|x) ‖ p(y))]) over 10 splits (Salimans et al. 2016), from the network's class logits."""
    from torchmetrics.image.inception import InceptionScore

    if fake.logits is None:
        raise UserError(NO_LOGITS)
    with warnings.catch_warnings():  # as KID's
        warnings.filterwarnings("ignore", message=".*will save all extracted features.*")
        metric = InceptionScore(feature=_Given(fake.logits.shape[1]), splits=10, sync_on_compute=False)
    metric.update(fake.logits.double())
    return float(metric.compute()[0])


@register_metric("fid", "images", uses_features=True)
def fid_metric(ctx: ImageContext) -> dict[str, float]:
    return {ctx.name("fid"): fid(ctx.real(), ctx.fake())}


@register_metric("kid", "images", uses_features=True)
def kid_metric(ctx: ImageContext) -> dict[str, float]:
    return {ctx.name("kid"): kid(ctx.real(), ctx.fake())}


def _check_logits(ctx: ImageContext) -> None:
    if not ctx.features().has_logits:
        raise UserError(NO_LOGITS)


@register_metric("is", "images", check=_check_logits, uses_features=True)
def inception_score_metric(ctx: ImageContext) -> dict[str, float]:
    return {ctx.name("is", real=False): inception_score(None, ctx.fake())}
