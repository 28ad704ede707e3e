"""The two-player core shared by every ganzoo model, whatever its players map from and to.

``TwoPlayerModule`` owns what all adversarial games repeat: one optimizer (and optional LR scheduler) per player, the
alternating manual-optimization step with ``n_critic`` discriminator steps per generator step, gradient clipping that
also works under AMP, an optional EMA copy of the generator, counters that mean something, and the checkpoint state.
Two small families build on it: :class:`~ganzoo.models.base.GAN` (noise → samples) and
:class:`~ganzoo.models.translation.TranslationGAN` (images of one domain → another), so a caller tells what it holds
by its type.

The two players are roles, not single networks: ``self.generator`` and ``self.discriminator`` may each be a
``ModuleDict`` of several networks (CycleGAN trains two generators with one optimizer and two discriminators with
another, as in the paper).
"""

from __future__ import annotations

import abc
import contextlib
import functools
import importlib
import random
from collections.abc import Callable, Sequence
from typing import Any

import lightning as L
import torch
from jsonargparse import Namespace
from lightning.pytorch.cli import LRSchedulerCallable, OptimizerCallable
from lightning.pytorch.plugins.precision import MixedPrecision
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from ganzoo.errors import UserError
from ganzoo.lightning_compat import (
    attached_trainer,
    drop_initial_hparam,
    fitting,
    logging_due,
    skip_missing_nvml_probe,
)
from ganzoo.losses import LossName, get_loss
from ganzoo.models.hyperparameters import check_hyperparameters

skip_missing_nvml_probe()  # Lightning's import has just asked for the probe (every model imports this module)

Losses = dict[str, Tensor]


def adam(lr: float, betas: tuple[float, float], **init_args: Any) -> dict[str, Any]:
    """A default optimizer spec: ``torch.optim.Adam`` with these settings, torch's per-tensor implementation (the
    fused one, ``--model.optimizer_d.fused true``, is faster on CPUs but Lightning cannot clip its gradients under
    mixed precision)."""
    return {"class_path": "torch.optim.Adam", "init_args": {"lr": lr, "betas": betas, **init_args}}


#: Radford et al.'s Adam settings, the default for most variants.
ADAM_DCGAN = adam(2e-4, (0.5, 0.999))

_NO_CLIPPING = {"g": None, "d": None}
_OPTIMIZER_ARGS = ("optimizer_g", "optimizer_d", "scheduler_g", "scheduler_d")


def as_callable(spec: Callable | dict | Namespace | None) -> Callable | None:
    """Turns a ``{"class_path": ..., "init_args": {...}}`` default into the callable the CLI would have built.

    Signature defaults must be plain data for LightningCLI to print and merge them; Python users get the same
    behaviour through this conversion.
    """
    if spec is None or callable(spec):
        return spec
    module, _, name = spec["class_path"].rpartition(".")
    return functools.partial(getattr(importlib.import_module(module), name), **dict(spec.get("init_args") or {}))


class TwoPlayerModule(L.LightningModule, abc.ABC):
    """Base LightningModule of the zoo: an alternating two-player game with manual optimization.

    ``num_classes`` is the number of labels the model is conditioned on: 0 unless a conditional variant declares it
    in its signature (the CLI links it from the datamodule).

    Args:
        data_shape: shape of one sample, ``(C, H, W)`` for images or ``(D,)`` for flat data. Linked from the
            datamodule by the CLI.
        loss: adversarial loss, see :mod:`ganzoo.losses`.
        optimizer_g: optimizer of the generator role (a callable taking parameters).
        optimizer_d: optimizer of the discriminator role.
        scheduler_g: optional LR scheduler of the generator, stepped once per epoch.
        scheduler_d: optional LR scheduler of the discriminator, stepped once per epoch.
        n_critic: discriminator steps per generator step; each discriminator step takes a fresh real batch.
        clip_grad_norm_g: clip the generator's gradient norm to this value (None: no clipping).
        clip_grad_norm_d: clip the discriminator's gradient norm to this value (None: no clipping).
        ema_decay: keep an exponential moving average of the generator with this decay (e.g. 0.999) and sample
            from it; None disables it.
        channels_last: keep the networks' 4D weights in the channels-last memory layout, which convolutions run
            faster in (same results up to summation order; measured in ``benchmarks/speed.py``). None: whenever the
            networks have convolutions.
    """

    num_classes: int = 0

    def __init__(
        self,
        data_shape: Sequence[int] = (1, 32, 32),
        loss: LossName = "non_saturating",
        optimizer_g: OptimizerCallable = ADAM_DCGAN,
        optimizer_d: OptimizerCallable = ADAM_DCGAN,
        scheduler_g: LRSchedulerCallable | None = None,
        scheduler_d: LRSchedulerCallable | None = None,
        n_critic: int = 1,
        clip_grad_norm_g: float | None = None,
        clip_grad_norm_d: float | None = None,
        ema_decay: float | None = None,
        channels_last: bool | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        check_hyperparameters(self.hparams)  # every class's arguments, before any network is built
        # Callables passed from Python cannot go into a weights-only checkpoint; their CLI form (a dict) can stay.
        # LightningCLI records every applied link among the hyper-parameters, the data's class count too, even for
        # a model that does not take it: a rerun from the checkpoint would then pass it back.
        unused = [key for key in _OPTIMIZER_ARGS if callable(self.hparams.get(key))]
        if "num_classes" in self.hparams and not self.num_classes:
            unused.append("num_classes")
        for key in unused:
            del self.hparams[key]
            drop_initial_hparam(self, key)
        self.automatic_optimization = False
        self.data_shape = tuple(int(s) for s in data_shape)
        self.loss = get_loss(loss)
        self.optimizer_g, self.optimizer_d = as_callable(optimizer_g), as_callable(optimizer_d)
        self.scheduler_g, self.scheduler_d = as_callable(scheduler_g), as_callable(scheduler_d)
        self.n_critic = n_critic
        self.clip_grad_norm = {"g": clip_grad_norm_g, "d": clip_grad_norm_d}
        # Counters that mean something (``global_step`` counts every optimizer's steps); saved in checkpoints.
        self.d_steps = 0
        self.g_steps = 0
        self.images_seen = 0
        self._log_now = False

        self.generator = self.build_generator()
        self.discriminator = self.build_discriminator()
        if channels_last is None:
            channels_last = any(p.dim() == 4 for p in self.parameters())
        if channels_last:
            # Activations follow the weights' layout; optimizer states and the EMA copy follow the parameters.
            self.to(memory_format=torch.channels_last)
        self.generator_ema: AveragedModel | None = None
        if ema_decay is not None:
            self.generator_ema = AveragedModel(
                self.generator, multi_avg_fn=get_ema_multi_avg_fn(ema_decay), use_buffers=True
            )
            # Frozen: it is updated by averaging, never by gradients (and DDP must not expect gradients for it).
            self.generator_ema.requires_grad_(False)

    # ------------------------------------------------------------------ what a family or variant defines
    @abc.abstractmethod
    def build_generator(self) -> nn.Module:
        """The generator role: a network, or a ``ModuleDict`` of networks sharing one optimizer."""

    @abc.abstractmethod
    def build_discriminator(self) -> nn.Module:
        """The discriminator role: a network, or a ``ModuleDict`` of networks sharing one optimizer."""

    @abc.abstractmethod
    def discriminator_loss(self, batch: Any) -> Losses:
        """Losses of one discriminator step; ``loss`` is minimised, every other entry is logged."""

    @abc.abstractmethod
    def generator_loss(self, batch: Any) -> Losses:
        """Losses of one generator step; ``loss`` is minimised, every other entry is logged."""

    @abc.abstractmethod
    def check_datamodule(self, datamodule: Any) -> None:
        """Raises :class:`~ganzoo.errors.UserError` (one line, with advice) for data this model cannot learn."""

    @abc.abstractmethod
    def progress_samples(self) -> Tensor:
        """What the progress grid shows: images (N, C, H, W) or flat points (N, D)."""

    @abc.abstractmethod
    def progress_grid_rows(self) -> int:
        """Images per row in the progress grid."""

    def on_discriminator_step_end(self) -> None:
        """Called after every discriminator update (WGAN clips the critic's weights here)."""

    def sampling_generator(self, ema: bool = True) -> nn.Module:
        """The EMA generator when there is one and ``ema`` is true, else the training generator."""
        return self.generator_ema.module if ema and self.generator_ema is not None else self.generator

    def grad_scaler(self) -> Any:
        """The AMP gradient scaler of the attached trainer (16-mixed), else None: penalties that call
        ``autograd.grad`` themselves must scale by hand."""
        trainer = attached_trainer(self)
        plugin = trainer.precision_plugin if trainer is not None else None
        return plugin.scaler if isinstance(plugin, MixedPrecision) else None

    # ------------------------------------------------------------------ the training loop
    def setup(self, stage: str) -> None:
        datamodule = self.trainer.datamodule
        if datamodule is not None:
            self.check_datamodule(datamodule)

    def configure_optimizers(self) -> Any:
        opt_g = self.optimizer_g(self.generator.parameters())
        opt_d = self.optimizer_d(self.discriminator.parameters())
        trainer = attached_trainer(self)
        if trainer is not None and isinstance(trainer.precision_plugin, MixedPrecision):
            for role, optimizer in (("g", opt_g), ("d", opt_d)):
                if self.clip_grad_norm[role] is not None and optimizer.defaults.get("fused"):
                    # Lightning refuses (with a traceback, mid-setup): a fused step unscales its own gradients.
                    raise UserError(
                        f"--model.clip_grad_norm_{role} cannot clip a fused optimizer's gradients under "
                        f"{trainer.precision}: drop --model.optimizer_{role}.fused or train in 32-true precision"
                    )
        schedulers = [s(o) for s, o in ((self.scheduler_g, opt_g), (self.scheduler_d, opt_d)) if s is not None]
        return [opt_g, opt_d], schedulers

    def training_step(self, batch: Any, batch_idx: int) -> None:
        opt_g, opt_d = self.optimizers()
        self._log_now = logging_due(self.trainer, self.d_steps)
        # The generator runs under no_grad in the D step, so only the G step needs the other player frozen.
        logs = {f"{k}_d" if k == "loss" else k: v for k, v in self._step(opt_d, self.discriminator_loss, batch, False)}
        self.on_discriminator_step_end()
        self.d_steps += 1
        self.images_seen += batch_size(batch) * self.trainer.world_size
        if self.d_steps % self.n_critic == 0:
            logs |= {f"{k}_g" if k == "loss" else k: v for k, v in self._step(opt_g, self.generator_loss, batch, True)}
            self.g_steps += 1
            if self.generator_ema is not None:
                self.generator_ema.update_parameters(self.generator)
        if self._log_now:
            shown = {k: v for k, v in logs.items() if k in ("loss_d", "loss_g")}  # on the progress bar, with kimg
            self.log_dict({f"train/{k}": v for k, v in logs.items() if k not in shown})
            self.log_dict({f"train/{k}": v for k, v in shown.items()}, prog_bar=True)
            self.log("train/kimg", self.images_seen / 1000, prog_bar=True)
            # Logging "step" makes it the x-axis of every logger: generator steps, not both players' optimizer steps.
            self.log("step", float(self.g_steps))

    def _step(self, optimizer: Any, loss_fn: Callable[[Any], Losses], batch: Any, freeze_others: bool) -> Any:
        # Freezing the other player's parameters (toggling) avoids computing gradients for weights this step does
        # not update.
        with self.toggled_optimizer(optimizer) if freeze_others else contextlib.nullcontext():
            losses = loss_fn(batch)
            optimizer.zero_grad(set_to_none=True)
            self.manual_backward(losses["loss"])
            optimizer.step()
        return ((k, v.detach()) for k, v in losses.items())

    def on_before_optimizer_step(self, optimizer: torch.optim.Optimizer) -> None:
        # Lightning calls this inside ``optimizer.step()`` after unscaling AMP gradients, so clipping is correct
        # under 16-mixed too.
        if not self._log_now and self.clip_grad_norm == _NO_CLIPPING:
            return  # most steps: nothing to do, and this runs twice per batch
        role = "g" if optimizer is self.trainer.optimizers[0] else "d"
        if self._log_now:
            grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
            if grads:
                self.log(f"train/grad_norm_{role}", torch.nn.utils.get_total_norm(grads))
        if (max_norm := self.clip_grad_norm[role]) is not None:
            self.clip_gradients(optimizer, gradient_clip_val=max_norm, gradient_clip_algorithm="norm")

    def on_train_epoch_end(self) -> None:
        schedulers = self.lr_schedulers()
        for scheduler in schedulers if isinstance(schedulers, list) else [schedulers] if schedulers else []:
            scheduler.step()

    # ------------------------------------------------------------------ validation and test
    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.log_dict(self.held_out_losses(batch, "val"))
        self.log("step", float(self.g_steps))

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self.log_dict(self.held_out_losses(batch, "test"))
        self.log("step", float(self.g_steps))

    def held_out_losses(self, batch: Any, stage: str) -> dict[str, Tensor]:
        """D's view of held-out real data against fresh fakes: a D(x_val) drifting below D(x_train) means D
        memorises the training set. A BatchNorm D scores validation with running statistics and training batches with
        batch statistics, so compare the gap's trend, not its level."""
        losses = self.discriminator_loss(batch)
        return {f"{stage}/{k}_d" if k == "loss" else f"{stage}/{k}": v for k, v in losses.items()}

    # ------------------------------------------------------------------ checkpoints
    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # The RNG state makes a resumed run draw the same latents and shuffles as an uninterrupted one. Only
        # tensors, ints and tuples: the checkpoint stays loadable with ``weights_only=True``.
        checkpoint["ganzoo"] = {
            "d_steps": self.d_steps,
            "g_steps": self.g_steps,
            "images_seen": self.images_seen,
            "rng_torch": torch.get_rng_state(),
            "rng_python": random.getstate(),
            # This process's device only: every rank holds the same state (draw_for_rank relies on it), and a resume
            # on a machine with fewer GPUs must not index devices it lacks.
            "rng_cuda": [torch.cuda.get_rng_state(self.device)] if self.device.type == "cuda" else [],
        }

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        saved = checkpoint.get("hyper_parameters", {}).get("data_shape")
        if saved is not None and tuple(int(s) for s in saved) != self.data_shape:
            raise UserError(
                f"the checkpoint was trained on samples of shape {tuple(saved)}, this data gives {self.data_shape}; "
                "resume with the run's data settings (its config.yaml beside checkpoints/)"
            )
        state = checkpoint.get("ganzoo", {})
        self.d_steps = state.get("d_steps", 0)
        self.g_steps = state.get("g_steps", 0)
        self.images_seen = state.get("images_seen", 0)
        # The random state continues a training run; validate/test/predict keep their own --seed_everything.
        if "rng_torch" in state and fitting(self):
            torch.set_rng_state(state["rng_torch"])
            random.setstate(state["rng_python"])
            if len(state["rng_cuda"]) == 1 and self.device.type == "cuda":
                torch.cuda.set_rng_state(state["rng_cuda"][0], self.device)


def batch_size(batch: Any) -> int:
    """Samples in a batch: the first tensor's length."""
    return (batch[0] if isinstance(batch, (list, tuple)) else batch).shape[0]
