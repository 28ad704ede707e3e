"""Stop a run at its first non-finite loss, before a checkpoint can store the damage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from torch import Tensor

from ganzoo.checkpoint import newest_checkpoint_file
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

    Weights and buffers are checked too, every ``weights_every_n_batches`` batches (a huge learning rate can make
    BatchNorm statistics infinite while every loss is still finite); whatever happens between two checks, a
    checkpoint with non-finite weights is refused, so the last good one is never replaced.

    Args:
        enabled: set false to let a run continue through non-finite losses.
        weights_every_n_batches: batches between checks of the weights (a pass over every tensor: cheap for large
            models, a few percent of a small MLP's step).
    """

    def __init__(self, enabled: bool = True, weights_every_n_batches: int = 50) -> None:
        self.enabled = enabled
        self.weights_every_n_batches = max(1, weights_every_n_batches)
        self._losses: list[tuple[str, int, Tensor]] = []
        self._first_d_parameter: Tensor | None = None

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # After the strategy has moved and wrapped the module. The generator step freezes the discriminator
        # (toggled optimizer), the discriminator step does not: its first parameter tells which player a loss
        # belongs to, without a pass over the parameters on every backward.
        if isinstance(pl_module, TwoPlayerModule):
            self._first_d_parameter = next(pl_module.discriminator.parameters(), None)

    def on_train_batch_start(
        self, trainer: L.Trainer, pl_module: L.LightningModule, batch: Any, batch_idx: int
    ) -> None:
        self._losses = []

    def on_before_backward(self, trainer: L.Trainer, pl_module: L.LightningModule, loss: Tensor) -> None:
        if self.enabled:
            frozen = self._first_d_parameter is None or not self._first_d_parameter.requires_grad
            self._losses.append(("generator" if frozen else "discriminator", pl_module.g_steps, loss.detach()))

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if not self.enabled or not self._losses:
            return
        # One device sync for every loss of the batch; which one went wrong is looked up only when one did.
        losses_finite = bool(torch.isfinite(torch.stack([loss.float().sum() for _, _, loss in self._losses])).all())
        due = (batch_idx + 1) % self.weights_every_n_batches == 0
        bad_weight = first_non_finite_weight(pl_module) if due else None
        checks_failed = not losses_finite or bad_weight is not None
        if not trainer.strategy.reduce_boolean_decision(checks_failed, all=False):
            return
        bad = [entry for entry in self._losses if not bool(torch.isfinite(entry[2]).all())]
        g_steps = self._losses[0][1]
        if bad:
            player, g_steps, loss = bad[0]
            what = f"non-finite {player} loss at generator step {g_steps} ({loss.float().mean().item()}"
        elif bad_weight is not None:
            what = f"non-finite weights ({bad_weight}) at generator step {g_steps} ("
        else:
            what = f"non-finite loss or weights on another process at generator step {g_steps} ("
        raise NonFiniteLossError(
            f"{what}; epoch {trainer.current_epoch}, batch {batch_idx}): lower the learning rates, clip gradients "
            f"(--model.clip_grad_norm_d/_g) or train in 32-true precision; last good checkpoint: {_last(trainer)}"
        )

    def on_save_checkpoint(self, trainer: L.Trainer, pl_module: TwoPlayerModule, checkpoint: dict) -> None:
        if not self.enabled:
            return
        if (name := first_non_finite(checkpoint.get("state_dict", {}))) is not None:
            raise NonFiniteLossError(
                f"non-finite weights ({name}) at generator step {pl_module.g_steps}: not saving them; "
                f"last good checkpoint: {_last(trainer)}"
            )


def first_non_finite_weight(module: torch.nn.Module) -> str | None:
    """The name of the first non-finite parameter or buffer of ``module``, else None. One fused norm over all of
    them decides (a few µs for a small model); names are searched only when it is not finite."""
    tensors = [t for t in (*module.parameters(), *module.buffers()) if t.is_floating_point()]
    if not tensors or bool(torch.isfinite(torch.nn.utils.get_total_norm(tensors))):
        return None
    return first_non_finite(module.state_dict())  # None when the norm only overflowed


def first_non_finite(state_dict: dict[str, Tensor]) -> str | None:
    """The name of the first floating-point tensor with a NaN or infinity, else None (one device sync for all)."""
    named = [(name, t) for name, t in state_dict.items() if t.is_floating_point()]
    if not named:
        return None
    finite = torch.stack([torch.isfinite(t).all() for _, t in named]).cpu().tolist()
    return next((name for (name, _), ok in zip(named, finite, strict=True) if not ok), None)


def _last(trainer: L.Trainer) -> str:
    """The newest checkpoint file that exists (a name Lightning remembers may never have been written)."""
    ckpt = trainer.checkpoint_callback
    folders = [Path(ckpt.dirpath)] if isinstance(ckpt, ModelCheckpoint) and ckpt.dirpath else []
    newest = newest_checkpoint_file(folders)
    return str(newest) if newest else "none (the run stopped before its first checkpoint)"
