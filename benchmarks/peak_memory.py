"""This process's peak resident memory (Linux), for the benchmarks that report memory. Standard library only, so a
probe process can import it without adding to what it measures."""

from __future__ import annotations

from pathlib import Path


def reset_peak_rss() -> None:
    """Restarts this process's peak-RSS count (Linux: ``/proc/self/clear_refs``), so that the next reading is the
    peak of what runs in between; ``ru_maxrss`` cannot be reset and survives even ``exec``."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_rss_mib() -> float:
    """The peak resident memory since the last :func:`reset_peak_rss` (``VmHWM``), MiB."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024
