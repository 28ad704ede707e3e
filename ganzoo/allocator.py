"""Keep the memory a training step frees inside the process (Linux with glibc), instead of handing it back to the
system and page-faulting it in again at the next step."""

from __future__ import annotations

import ctypes
import os
import platform

#: glibc's ``mallopt`` parameters (``malloc.h``).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: Blocks up to this size come from the heap instead of a fresh ``mmap`` each (glibc's largest accepted value on
#: 64-bit).
MMAP_THRESHOLD = 32 * 2**20
#: Free memory the heap may keep at its top before returning it: more than a step's activations of the shipped models.
TRIM_THRESHOLD = 2**30
SETTINGS = ((M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD))
#: ``GANZOO_ALLOCATOR=system`` leaves glibc's allocator as it is.
OPT_OUT = "GANZOO_ALLOCATOR"
#: Set any of these (or ``glibc.malloc.*`` in ``GLIBC_TUNABLES``) and glibc reads your values; ganzoo then backs off.
GLIBC_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")
_kept = False


def keep_freed_memory() -> bool:
    """Fixes glibc's mmap and trim thresholds high for this process; True if they were set.

    glibc starts with a 128 KiB mmap threshold and a small trim threshold and raises both as the process frees
    mmapped blocks, so whether a training step faults its large tensors (activations, gradients, optimizer
    temporaries) back in page by page depends on the process's history: from about 20 to over 1,700 page faults per
    batch of the same small MLP GAN on this project's CPU machines, whose ``ganzoo fit`` runs 1.2× faster with the
    thresholds fixed (``benchmarks/allocator.py``). Results are unchanged: only where memory comes from differs. The
    cost: freed blocks up to :data:`MMAP_THRESHOLD` stay in the heap, and up to :data:`TRIM_THRESHOLD` of free memory
    at its top stays mapped (per arena; forked DataLoader workers inherit the setting).

    The ``ganzoo`` command and :func:`ganzoo.lightning_cli.run_cli` call it; call it first in your own training
    scripts. A no-op off glibc, with ``GANZOO_ALLOCATOR=system``, and where you set glibc's own variables. Processes
    started by ``spawn`` (``ddp_spawn``) begin with glibc's defaults.
    """
    if (
        platform.libc_ver()[0] != "glibc"
        or os.environ.get(OPT_OUT) == "system"
        or any(name in os.environ for name in GLIBC_VARIABLES)
        or "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", "")
    ):
        return False
    global _kept
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    _kept = all([mallopt(option, value) == 1 for option, value in SETTINGS])  # a list: both are tried
    return _kept


def release_freed_memory() -> None:
    """Returns the free memory the heap kept to the system (``malloc_trim``), e.g. before measuring peak memory."""
    if _kept:
        ctypes.CDLL(None).malloc_trim(0)


def setting() -> str:
    """This process's allocator setting, as benchmark rows record it."""
    return "kept freed memory" if _kept else "system defaults"
