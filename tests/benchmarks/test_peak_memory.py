"""benchmarks/peak_memory.py: the peak-memory reading that speed.py's and metrics_speed.py's rows report."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import peak_memory  # noqa: E402


def test_the_peak_memory_reading_can_be_restarted():
    import mmap

    peak_memory.reset_peak_rss()
    before = peak_memory.peak_rss_mib()
    # Fresh pages from the kernel: an allocator that keeps freed memory (OpenVINO's loads one) could serve a tensor
    # from pages already resident, and the peak would not move.
    block = mmap.mmap(-1, 64 * 2**20)
    block.write(b"\1" * len(block))  # touched
    assert peak_memory.peak_rss_mib() >= before + 60
    block.close()
    peak_memory.reset_peak_rss()
    assert peak_memory.peak_rss_mib() < before + 60
