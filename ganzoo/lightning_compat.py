"""The few places where ganzoo needs more of Lightning than its public API offers, in one module.

Each function says which private attribute it touches and why; ``tests/test_lightning_compat.py`` fails loudly (with
the attribute's name) when a Lightning release moves one, instead of letting a GAN silently stop logging or fail
under DDP.
"""

from __future__ import annotations

from typing import Any

import lightning as L
from lightning.pytorch.strategies import DDPStrategy


def logging_due(trainer: L.Trainer, batches_done: int) -> bool:
    """Whether Lightning writes this training batch's logged values to the loggers: every ``log_every_n_steps``-th
    batch that stepped an optimizer, and the last one. Values computed on other batches would only be dropped.

    Public API only: ``batches_done`` is the model's own count of finished batches (ganzoo's ``d_steps``, one per
    batch and checkpointed), which equals Lightning's private ``fit_loop.epoch_loop._batches_that_stepped``.
    """
    every = trainer.log_every_n_steps
    return every > 0 and ((batches_done + 1) % every == 0 or trainer.should_stop)


def drop_initial_hparam(module: L.LightningModule, key: str) -> None:
    """Removes ``key`` from the hyper-parameters a module logs and saves. ``hparams`` is public, but Lightning keeps
    a frozen copy in the private ``_hparams_initial`` for the loggers, with no public way to edit it."""
    module._hparams_initial.pop(key, None)


def find_unused_parameters(strategy: Any) -> None:
    """Makes a DDP strategy look for unused parameters unless the user chose that option. Each GAN step
    backpropagates into one player only, which plain DDP refuses; the option can be set only through the strategy's
    name (``ddp_find_unused_parameters_true``) or its constructor, so an already built strategy is changed through its
    private ``_ddp_kwargs``."""
    if isinstance(strategy, DDPStrategy):
        kwargs = strategy._ddp_kwargs
        if "find_unused_parameters" not in kwargs:
            kwargs["find_unused_parameters"] = True


def attached_trainer(module: L.LightningModule) -> L.Trainer | None:
    """The module's trainer, or None when it runs outside one (the public ``trainer`` property raises then)."""
    return module._trainer


def fitting(module: L.LightningModule) -> bool:
    """Whether the module runs inside ``Trainer.fit`` (not validate, test, predict, or outside a trainer)."""
    from lightning.pytorch.trainer.states import TrainerFn

    trainer = attached_trainer(module)
    return trainer is not None and trainer.state.fn == TrainerFn.FITTING


def batches_done(trainer: L.Trainer) -> int:
    """Training batches of the current epoch whose step has run: the fit loop's batch progress (``processed``),
    which Lightning restores on resume but offers through no public accessor."""
    return trainer.fit_loop.epoch_loop.batch_progress.current.processed
