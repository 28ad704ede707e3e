"""The benchmarks' budget and training clock (benchmarks/budget.py)."""

import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from budget import Clock, last_checkpoint  # noqa: E402

from ganzoo.cli import expand_aliases  # noqa: E402
from ganzoo.lightning_cli import run_cli  # noqa: E402


def _sitting(workdir: Path, kimg: float) -> Clock:
    """One `ganzoo fit` sitting of a tiny 2D GAN up to ``kimg``, resumed from the last one's checkpoint, as the
    benchmarks run it."""
    resume = last_checkpoint(workdir)
    budget = {"class_path": "budget.Budget", "init_args": {"kimg": kimg}}
    cli = run_cli(expand_aliases([
        "fit", "--model", "vanilla_gan", "--data", "ring", "--data.batch_size", "64", "--model.g_hidden", "[8]",
        "--model.d_hidden", "[8]", "--trainer.max_epochs", "-1", "--trainer.limit_val_batches", "0",
        "--trainer.enable_progress_bar", "false", "--trainer.enable_model_summary", "false", "--metrics.metrics", "[]",
        "--trainer.default_root_dir", str(workdir), "--checkpoint.every_n_epochs", "null",
        "--checkpoint.every_n_train_steps", "4", f"--trainer.callbacks+={json.dumps(budget)}",
        '--trainer.callbacks+={"class_path": "budget.Clock"}', *(("--ckpt_path", str(resume)) if resume else ()),
    ]))  # fmt: skip
    return next(cb for cb in cli.trainer.callbacks if isinstance(cb, Clock))


@pytest.mark.parametrize("kimg", [0.32, 0.64])
def test_a_resumed_run_counts_only_its_training_time(tmp_path, kimg):
    start, cpu_start = time.perf_counter(), time.process_time()
    first = _sitting(tmp_path, kimg)
    second = _sitting(tmp_path, 2 * kimg)
    # Before the fix the resumed sitting began counting from perf_counter()'s origin (the machine's uptime) and from
    # the process's start, because its first epoch began without on_train_epoch_start.
    assert first.seconds < second.seconds <= time.perf_counter() - start
    assert first.cpu_seconds < second.cpu_seconds <= time.process_time() - cpu_start
