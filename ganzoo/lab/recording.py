"""Training runs whose every step is recorded: the measurements behind the lab's figures."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import lightning as L
import torch

from ganzoo.data import Toy2DData
from ganzoo.metrics.mode_coverage import NUM_SAMPLES, mode_coverage


@dataclass
class Record:
    """What a recorded run measured: per recorded step the logged training values (``train/…`` without the
    prefix), and at each snapshot step the generated points and their mode coverage."""

    steps: list[int] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)
    snapshots: dict[int, torch.Tensor] = field(default_factory=dict)
    coverage: dict[int, dict[str, float]] = field(default_factory=dict)

    def series(self, key: str) -> list[float]:
        return self.values.get(key, [math.nan] * len(self.steps))

    def at_snapshots(self, key: str) -> tuple[list[int], list[float]]:
        """The snapshot steps and one mode-coverage value (``modes``, ``hq_pct``) at each."""
        steps = sorted(self.coverage)
        return steps, [self.coverage[s][key] for s in steps]


class Recorder(L.Callback):
    """Reads the values the model logged every ``every`` batches (``log_every_n_steps``) and, at the snapshot steps
    (generator steps), samples ``NUM_SAMPLES`` points from fixed noise and scores their mode coverage."""

    def __init__(self, record: Record, snapshot_steps: set[int], every: int = 1) -> None:
        self.record, self.snapshot_steps, self.every = record, snapshot_steps, every
        self.z: torch.Tensor | None = None

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: Any, *args: Any) -> None:
        step = pl_module.g_steps
        if pl_module.d_steps % self.every == 0 and (not self.record.steps or self.record.steps[-1] != step):
            self.record.steps.append(step)
            logged = {k.removeprefix("train/"): float(v) for k, v in trainer.callback_metrics.items()
                      if k.startswith("train/")}  # fmt: skip
            for key in set(logged) | set(self.record.values):
                self.record.values.setdefault(key, [math.nan] * (len(self.record.steps) - 1)).append(
                    logged.get(key, math.nan)
                )
        if step in self.snapshot_steps and step not in self.record.snapshots:
            self.snapshot(trainer, pl_module, step)

    def snapshot(self, trainer: L.Trainer, pl_module: Any, step: int) -> None:
        if self.z is None:
            self.z = torch.randn(NUM_SAMPLES, pl_module.latent_dim, generator=torch.Generator().manual_seed(0))
        points = pl_module.sample(z=self.z, ema=False).cpu()
        self.record.snapshots[step] = points
        dm = trainer.datamodule
        if isinstance(dm, Toy2DData):
            self.record.coverage[step] = mode_coverage(points, dm.modes, dm.std)


def train_recorded(model: Any, datamodule: Any, g_steps: int, snapshots: int = 5, every: int = 5) -> Record:
    """Trains ``model`` for ``g_steps`` generator steps in a bare Lightning Trainer (no logger, checkpoints or
    progress bar), recording the logged values every ``every`` batches, with ``snapshots`` evenly spaced snapshots
    (the last at the end)."""
    record = Record()
    steps = {round(g_steps * (i + 1) / snapshots) for i in range(snapshots)}
    trainer = L.Trainer(
        max_steps=-1,
        max_epochs=-1,
        limit_val_batches=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        log_every_n_steps=every,
        callbacks=[Recorder(record, steps, every), _StopAt(g_steps)],
        accelerator="cpu",
        devices=1,
    )
    trainer.fit(model, datamodule)
    return record


class _StopAt(L.Callback):
    def __init__(self, g_steps: int) -> None:
        self.g_steps = g_steps

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: Any, *args: Any) -> None:
        if pl_module.g_steps >= self.g_steps:
            trainer.should_stop = True
