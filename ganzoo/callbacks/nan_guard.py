"""Stop a run at its first non-finite loss, before a checkpoint can store the damage."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from torch import Tensor

from ganzoo.errors import UserError
from ganzoo.models.two_player import TwoPlayerModule


class NonFiniteLossError(UserError):
    """Training produced a NaN or infinite loss (or weights); the message names the step and the last checkpoint."""


class NaNGuard(L.Callback):
    """Raises :class:`NonFiniteLossError` at the end of the first training batch with a NaN or infinite loss, and
    refuses to save any checkpoint whose weights are not finite, so the last good checkpoint is never replaced.

    Every loss that reaches ``manual_backward`` is recorded (without a device sync) and checked once per batch;
    under DDP the decision is shared, so all ranks stop together. Checkpoint callbacks run after this one
    (Lightning orders them last), so a batch that went wrong never reaches a save.

    Args:
        enabled: set false to let a run continue through non-finite losses.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._losses: list[tuple[str, int, Tensor]] = []

    def on_train_batch_start(
        self, trainer: L.Trainer, pl_module: L.LightningModule, batch: Any, batch_idx: int
    ) -> None:
        self._losses = []

    def on_before_backward(self, trainer: L.Trainer, pl_module: L.LightningModule, loss: Tensor) -> None:
        if self.enabled:
            self._losses.append((_player(pl_module), trainer.global_step, loss.detach()))

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if not self._losses:
            return
        finite = torch.stack([torch.isfinite(loss).all() for _, _, loss in self._losses]).cpu()
        if not trainer.strategy.reduce_boolean_decision(not bool(finite.all()), all=False):
            return
        bad = [entry for entry, ok in zip(self._losses, finite.tolist(), strict=True) if not ok]
        if bad:
            player, step, loss = bad[0]
            what = f"non-finite {player} loss at step {step} ({loss.float().mean().item()}"
        else:
            what = f"non-finite loss on another process at step {self._losses[0][1]} ("
        raise NonFiniteLossError(
            f"{what}; epoch {trainer.current_epoch}, batch {batch_idx}): lower the learning rates, clip gradients "
            f"(--model.clip_grad_norm_d/_g) or train in 32-true precision; last good checkpoint: {_last(trainer)}"
        )

    def on_save_checkpoint(self, trainer: L.Trainer, pl_module: L.LightningModule, checkpoint: dict) -> None:
        if not self.enabled:
            return
        for name, value in checkpoint.get("state_dict", {}).items():
            if value.is_floating_point() and not torch.isfinite(value).all():
                raise NonFiniteLossError(
                    f"non-finite weights ({name}) at step {trainer.global_step}: not saving them; "
                    f"last good checkpoint: {_last(trainer)}"
                )


def _player(pl_module: TwoPlayerModule) -> str:
    # The generator step freezes the discriminator (toggled optimizer); the discriminator step does not.
    return "discriminator" if any(p.requires_grad for p in pl_module.discriminator.parameters()) else "generator"


def _last(trainer: L.Trainer) -> str:
    ckpt = trainer.checkpoint_callback
    path = getattr(ckpt, "last_model_path", "") or getattr(ckpt, "best_model_path", "")
    return path or "none (the run stopped before its first checkpoint)"
