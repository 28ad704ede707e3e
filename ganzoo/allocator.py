"""Keep the memory a training step frees inside the process (Linux with glibc), instead of handing it back to the
system and page-faulting it in again at the next step."""

from __future__ import annotations

import ctypes
import os
import platform

#: glibc's ``mallopt`` parameters (``malloc.h``).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: Blocks up to this size come from the heap instead of a fresh ``mmap`` each (glibc's largest accepted value).
MMAP_THRESHOLD = 32 * 2**20
#: Free memory the heap may keep at its top before returning it: more than a step's activations of the shipped models.
TRIM_THRESHOLD = 2**30
#: Set any of these and glibc reads your values; ganzoo then leaves the allocator alone.
GLIBC_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")
SETTINGS = ((M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD))
_kept = False


def keep_freed_memory() -> bool:
    """Raises glibc's mmap and trim thresholds for this process; True if they were set.

    By default glibc serves every block above 128 KiB with its own ``mmap`` and returns heap memory above a small
    threshold at each ``free``, so each training step faults its large tensors (activations, gradients, optimizer
    temporaries) back in page by page: about 1,700 page faults per batch of a small MLP GAN on this project's CPU
    machines, whose ``ganzoo fit`` runs 1.2× faster without them (``benchmarks/allocator.py``). Results are unchanged:
    only where memory comes from differs. The cost: the process keeps up to :data:`TRIM_THRESHOLD` of freed memory
    mapped. A no-op off glibc and where the user set glibc's own ``MALLOC_*_`` variables. The ``ganzoo`` command and
    :func:`ganzoo.lightning_cli.run_cli` call it; call it first in your own training scripts.
    """
    if platform.libc_ver()[0] != "glibc" or any(name in os.environ for name in GLIBC_VARIABLES):
        return False
    global _kept
    libc = ctypes.CDLL(None)
    _kept = all(libc.mallopt(option, value) for option, value in SETTINGS)
    return _kept


def setting() -> str:
    """This process's allocator setting, as benchmark rows record it."""
    return "kept freed memory" if _kept else "system defaults"
