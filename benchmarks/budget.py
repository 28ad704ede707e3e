"""Training budgets and clocks for the benchmarks: stop ``ganzoo fit`` after so many minutes, CPU minutes or thousand
images; count a run's training time across the sittings of a resumed run."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import lightning as L
import torch

from ganzoo import allocator


class Budget(L.Callback):
    """Stops training after ``minutes`` of training time, ``cpu_minutes`` of this process's CPU time, or ``kimg``
    thousand real images, whichever comes first.

    CPU time (``time.process_time``: every thread of the process, data loading included with ``num_workers=0``) does
    not grow while other work holds the cores, so on a shared machine it is the fair budget for comparing two models
    run at different times or side by side; wall time is what a user waits.

    Args:
        minutes: wall-clock training-time budget (None: unlimited).
        cpu_minutes: CPU-time budget of the training process (None: unlimited).
        kimg: images budget, in thousands of real images seen by the discriminator (None: unlimited).
    """

    def __init__(
        self, minutes: float | None = None, kimg: float | None = None, cpu_minutes: float | None = None
    ) -> None:
        self.minutes, self.kimg, self.cpu_minutes = minutes, kimg, cpu_minutes
        self.start: float | None = None
        self.cpu_start = 0.0
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    def on_train_batch_start(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any) -> None:
        if self.start is None:
            self.start, self.cpu_start = time.perf_counter(), time.process_time()

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any) -> None:
        if pl_module.device.type == "cuda":
            torch.cuda.synchronize(pl_module.device)
        self.seconds = time.perf_counter() - self.start
        self.cpu_seconds = time.process_time() - self.cpu_start
        spent = (
            (self.minutes is not None and self.seconds >= 60 * self.minutes)
            or (self.cpu_minutes is not None and self.cpu_seconds >= 60 * self.cpu_minutes)
            or (self.kimg is not None and pl_module.images_seen >= 1000 * self.kimg)
        )
        if spent:
            trainer.should_stop = True


class Clock(L.Callback):
    """Training wall and CPU time, kept in the checkpoint so that a resumed run counts every sitting. What runs
    between two training epochs (evaluations, checkpoints) is not counted.

    Args:
        log_file: a JSON-lines file to which every training epoch's end appends the times so far, with ``g_steps``.
    """

    def __init__(self, log_file: str | None = None) -> None:
        self.log_file = log_file
        self.seconds = self.cpu_seconds = 0.0
        self._wall = self._cpu = 0.0

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # A resumed `ganzoo fit` may begin its first epoch without on_train_epoch_start (restored as begun).
        self.on_train_epoch_start(trainer, pl_module)

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.log_file is not None and trainer.is_global_zero:
            record = {"g_steps": pl_module.g_steps, "seconds": self.seconds, "cpu_seconds": self.cpu_seconds}
            with open(self.log_file, "a") as f:
                f.write(json.dumps(record) + "\n")

    def on_train_batch_end(self, *args: Any) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.seconds += wall - self._wall
        self.cpu_seconds += cpu - self._cpu
        self._wall, self._cpu = wall, cpu

    def state_dict(self) -> dict[str, float]:
        return {"seconds": self.seconds, "cpu_seconds": self.cpu_seconds}

    def load_state_dict(self, state: dict[str, float]) -> None:
        self.seconds, self.cpu_seconds = state["seconds"], state["cpu_seconds"]


def last_checkpoint(workdir: Path) -> Path | None:
    """The newest checkpoint of earlier sittings of this run, if any: an epoch's ``last.ckpt``, or the
    ``interrupted.ckpt`` of a sitting stopped by SIGTERM or Ctrl-C (resuming from the middle of an epoch redoes
    nothing and equals an uninterrupted run)."""
    found = [p for name in ("last.ckpt", "interrupted.ckpt") for p in workdir.glob(f"*/version_*/checkpoints/{name}")]
    found.sort(key=lambda p: (p.stat().st_mtime, str(p)))
    return found[-1] if found else None


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a results file (none if it does not exist yet)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def run_record(net: Any, clock: Clock, eval_seconds: float) -> dict[str, Any]:
    """What every benchmark row records of a trained run: its length, its clock and where it was measured."""
    return {
        "kimg": net.images_seen / 1000,
        "d_steps": net.d_steps,
        "g_steps": net.g_steps,
        "fit_seconds": round(clock.seconds, 1),
        "fit_cpu_seconds": round(clock.cpu_seconds, 1),
        "eval_seconds": round(eval_seconds, 1),
        "threads": torch.get_num_threads(),
        "device": f"cpu ({os.cpu_count()} cores)",
        "allocator": allocator.setting(),  # a Lucic et al. run's time depends on it
        "commit": commit(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def commit() -> str:
    """HEAD's short hash, with ``+dirty`` when the code differs from it (the row then ran code no commit holds); the
    results, figures and docs that benchmarks write themselves do not count."""
    here = Path(__file__).parent
    code = ["--", "ganzoo", "benchmarks/*.py", "configs", "pyproject.toml"]
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
                             cwd=here).stdout.strip()  # fmt: skip
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", *code], capture_output=True,
                                 text=True, check=True, cwd=here.parent).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{sha}+dirty" if sha and changed else sha or "unknown"
