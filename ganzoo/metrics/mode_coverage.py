"""Mode coverage on the 2D mixtures (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018)."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ganzoo.metrics.protocol import register_metric
from ganzoo.metrics.samples import PointContext

#: The protocol's sample count.
NUM_SAMPLES = 2500


def mode_coverage(samples: Tensor, modes: Tensor, std: float) -> dict[str, float]:
    """``modes``: modes nearest to at least one high-quality sample (within 3σ of its nearest mode);
    ``hq_pct``: percentage of high-quality samples; ``rkl``: KL(histogram of the high-quality samples over the modes
    ‖ uniform) = ln K − H, NaN when no sample is high-quality."""
    distances = torch.cdist(samples.float(), modes.float())
    nearest_distance, nearest = distances.min(dim=1)
    high_quality = nearest_distance <= 3 * std
    counts = torch.bincount(nearest[high_quality], minlength=len(modes)).double()
    rkl = math.nan
    if counts.sum() > 0:
        p = counts / counts.sum()
        entropy = -(p[p > 0] * p[p > 0].log()).sum()
        rkl = float(math.log(len(modes)) - entropy)
    return {
        "modes": float((counts > 0).sum()),
        "hq_pct": float(100 * high_quality.double().mean()),
        "rkl": rkl,
    }


@register_metric("mode_coverage", "points")
def mode_coverage_metric(ctx: PointContext) -> dict[str, float]:
    """``modes``, ``hq_pct`` and ``rkl`` of :data:`NUM_SAMPLES` generated points (the protocol's names)."""
    dm = ctx.datamodule
    ctx.settings["hq_threshold"] = "3 sigma"
    return mode_coverage(ctx.points(NUM_SAMPLES), dm.modes, dm.std)
