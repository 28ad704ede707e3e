"""The few places where ganzoo needs more of Lightning than its public API offers, in one module.

Each function says which private attribute it touches and why; ``tests/test_lightning_compat.py`` fails loudly (with
the attribute's name) when a Lightning release moves one, instead of letting a GAN silently stop logging or fail
under DDP.
"""

from __future__ import annotations

import ctypes
import os
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


_NVML_CHECK = "PYTORCH_NVML_BASED_CUDA_CHECK"


def skip_missing_nvml_probe() -> None:
    """Stops torch from looking for NVIDIA's NVML library at every optimizer step on a machine that has none.

    Importing Lightning sets ``PYTORCH_NVML_BASED_CUDA_CHECK=1`` (asking whether CUDA is available must not
    initialise CUDA before DataLoader workers fork). On a CUDA build of torch, ``torch.cuda.is_available()`` then tries
    to load ``libnvidia-ml.so.1`` on every call, fails where no driver is installed, and falls back to the CUDA
    runtime's count anyway; Adam asks at every ``step()`` (its CUDA-graph health check). Measured on the CPU machines:
    31 µs per call against 0.8 µs without the variable. Without the driver there is no CUDA to initialise, so the
    variable is dropped; with it, nothing changes.
    """
    if os.environ.get(_NVML_CHECK) != "1":
        return
    try:
        ctypes.CDLL("libnvidia-ml.so.1")
    except OSError:
        del os.environ[_NVML_CHECK]
