"""A training budget for the benchmarks: stop ``ganzoo fit`` after so many minutes or thousand images."""

from __future__ import annotations

import time
from typing import Any

import lightning as L
import torch


class Budget(L.Callback):
    """Stops training after ``minutes`` of training time or ``kimg`` thousand real images, whichever comes first.

    Args:
        minutes: training-time budget (None: unlimited).
        kimg: images budget, in thousands of real images seen by the discriminator (None: unlimited).
    """

    def __init__(self, minutes: float | None = None, kimg: float | None = None) -> None:
        self.minutes, self.kimg = minutes, kimg
        self.start: float | None = None
        self.seconds = 0.0

    def on_train_batch_start(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any) -> None:
        if self.start is None:
            self.start = time.perf_counter()

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any) -> None:
        if pl_module.device.type == "cuda":
            torch.cuda.synchronize(pl_module.device)
        self.seconds = time.perf_counter() - self.start
        out_of_time = self.minutes is not None and self.seconds >= 60 * self.minutes
        out_of_images = self.kimg is not None and pl_module.images_seen >= 1000 * self.kimg
        if out_of_time or out_of_images:
            trainer.should_stop = True
