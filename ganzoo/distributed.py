"""Random draws that stay correct when a batch is split over processes (DDP)."""

from __future__ import annotations

from collections.abc import Callable

import torch.distributed as dist
from torch import Tensor


def draw_for_rank(draw: Callable[[int], Tensor], n: int) -> Tensor:
    """``draw(n)`` on one process; under DDP, this process's share of one draw for the whole global batch.

    Every process is seeded alike, so a plain ``draw(n)`` would hand all ranks the *same* latents (a global batch
    of ``world_size`` copies of ``n`` codes). Instead each rank draws ``n × world_size`` and keeps every
    ``world_size``-th row from its rank on, the layout of ``DistributedSampler``: ``world_size`` processes with
    ``n`` samples each see exactly the noise one process would draw for the full batch of ``n × world_size``.
    The cost is ``world_size`` times a tiny draw.
    """
    if not (dist.is_available() and dist.is_initialized()) or (world := dist.get_world_size()) == 1:
        return draw(n)
    return draw(n * world)[dist.get_rank() :: world]
