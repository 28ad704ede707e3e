"""Checkpoint files named in generator steps, the one meaning of "step" the user reads everywhere."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from ganzoo.models.two_player import TwoPlayerModule


class GeneratorStepCheckpoint(ModelCheckpoint):
    """Lightning's ``ModelCheckpoint`` whose ``{step}`` is the number of generator steps: Lightning's own counts
    both players' optimizer steps (``epoch=1-step=12`` after 6 batches of a plain GAN, 7 of a WGAN with n_critic 5).
    Every other argument is ``ModelCheckpoint``'s."""

    _model: TwoPlayerModule | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._state_key = super().state_key

    @property
    def state_key(self) -> str:
        # Lightning formats this key (a repr of five settings) on each of the ~8 hook calls of every batch.
        return self._state_key

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        super().setup(trainer, pl_module, stage)
        self._model = pl_module if isinstance(pl_module, TwoPlayerModule) else None

    def format_checkpoint_name(self, metrics: dict[str, Any], *args: Any, **kwargs: Any) -> str:
        if self._model is not None:
            metrics = {**metrics, "step": torch.tensor(self._model.g_steps)}
        return super().format_checkpoint_name(metrics, *args, **kwargs)
