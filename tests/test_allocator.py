import os
import platform
import subprocess
import sys

import pytest

import ganzoo.cli
from ganzoo import allocator

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")

# A "step" that allocates and frees tensors of 1 to 8 MiB, as a training step does; prints page faults per step.
# glibc's mmap threshold starts at 128 KiB and moves with what the process frees, so whether a step faults varies
# from process to process (4,320 or under 50 faults per step here, same script): pinned at 128 KiB first, the
# default case faults every time, and the test shows what keep_freed_memory changes.
FAULTS = """
import ctypes, resource, sys, torch
from ganzoo.allocator import M_MMAP_THRESHOLD, keep_freed_memory
libc = ctypes.CDLL(None)
libc.prctl(41, 1, 0, 0, 0)  # PR_SET_THP_DISABLE: 4 KiB pages, so that faults count pages wherever THP is "always"
libc.mallopt(M_MMAP_THRESHOLD, 128 * 1024)
applied = keep_freed_memory() if sys.argv[1] == "1" else None
xs = [torch.rand(n * 256 * 1024) for n in (1, 2, 3, 4, 8)]
for _ in range(3):
    ys = [x.sqrt() for x in xs]
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    ys = [x.sqrt() for x in xs]
print(applied, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 50)
"""


def faults_per_step(keep: bool) -> tuple[str, float]:
    done = subprocess.run([sys.executable, "-c", FAULTS, str(int(keep))], capture_output=True, text=True, check=True)
    applied, faults = done.stdout.split()
    return applied, float(faults)


@glibc
def test_kept_memory_stops_the_page_faults_of_each_step():
    _, default = faults_per_step(False)
    applied, kept = faults_per_step(True)
    assert applied == "True"
    assert default > 1000  # the step's 18 MiB (4,608 pages) faulted in again, nearly page by page
    assert kept < default / 20


@glibc
@pytest.mark.parametrize(
    ("variable", "value"),
    [("MALLOC_TRIM_THRESHOLD_", "131072"), ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=131072"),
     ("GANZOO_ALLOCATOR", "system")],
)  # fmt: skip
def test_the_users_own_choice_wins(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    assert allocator.keep_freed_memory() is False


def test_a_no_op_off_glibc(monkeypatch):
    monkeypatch.setattr(allocator.platform, "libc_ver", lambda: ("", ""))
    assert allocator.keep_freed_memory() is False


@glibc
@pytest.mark.parametrize(
    ("opt_out", "expected"), [(None, "True kept freed memory"), ("system", "False system defaults")]
)
def test_the_setting_that_rows_record(opt_out, expected):
    code = "from ganzoo import allocator; print(allocator.keep_freed_memory(), allocator.setting())"
    env = glibc_defaults_env() | ({"GANZOO_ALLOCATOR": opt_out} if opt_out else {})
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.strip() == expected


def glibc_defaults_env() -> dict[str, str]:
    """This environment without the variables that would make ganzoo back off."""
    names = (*allocator.GLIBC_VARIABLES, "GLIBC_TUNABLES", allocator.OPT_OUT)
    return {k: v for k, v in os.environ.items() if k not in names}


def test_the_command_line_applies_it(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(ganzoo.cli, "keep_freed_memory", lambda: calls.append(True))
    ganzoo.cli.main(["models"])
    assert calls == [True]
    assert "dcgan" in capsys.readouterr().out


def test_runs_started_from_python_apply_it(monkeypatch):
    import ganzoo.lightning_cli

    calls = []
    monkeypatch.setattr(allocator, "keep_freed_memory", lambda: calls.append(True))
    with pytest.raises(SystemExit):
        ganzoo.lightning_cli.run_cli(["--help"])
    assert calls == [True]


@glibc
@pytest.mark.slow
def test_training_is_bit_identical_either_way(tmp_path):
    """Only where memory comes from changes: same seed, same weights after training, with and without."""
    import torch

    weights = []
    for name, env in (("kept", {}), ("default", {"GANZOO_ALLOCATOR": "system"})):
        args = [sys.executable, "-m", "ganzoo", "fit", "--model", "dcgan", "--data", "digits", "--trainer.max_steps",
                "40", "--trainer.default_root_dir", str(tmp_path / name), "--metrics.metrics", "[]",
                "--trainer.enable_progress_bar", "false"]  # fmt: skip
        subprocess.run(args, check=True, capture_output=True, env=glibc_defaults_env() | env)
        (ckpt,) = (tmp_path / name).rglob("last.ckpt")
        weights.append(torch.load(ckpt, map_location="cpu", weights_only=True)["state_dict"])
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
