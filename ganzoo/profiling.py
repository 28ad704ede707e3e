"""The Trainer's profiler when none is chosen: Lightning's pass-through one, without its per-call cost."""

from __future__ import annotations

import contextlib
from typing import Any

from lightning.pytorch.profilers import PassThroughProfiler

_NOTHING = contextlib.nullcontext()


class NoProfiler(PassThroughProfiler):
    """Records nothing, like Lightning's default ``PassThroughProfiler``, whose ``profile()`` builds a generator-based
    context manager for each of the ~100 hook calls of a training batch (8 hooks × every callback, plus the module's
    and the strategy's): about 1 µs each, 0.1 ms per batch. This one returns the same no-op context every time.
    ``--trainer.profiler simple`` (or any other) replaces it."""

    def profile(self, action_name: str) -> Any:
        return _NOTHING
