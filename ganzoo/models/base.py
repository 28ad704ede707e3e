"""The adversarial training loop shared by every ganzoo model.

``GAN`` owns what all variants repeat: one optimizer (and optional LR scheduler) per player, the alternating
manual-optimization step with ``n_critic`` discriminator steps per generator step, gradient clipping that also works
under AMP, an optional EMA copy of the generator, sampling, and logging against meaningful counters. A variant
builds its networks in :meth:`build_generator` / :meth:`build_discriminator` and overrides only what differs:
the losses, an extra regulariser, a hook after the discriminator step.

The two players are roles, not single networks: ``self.generator`` and ``self.discriminator`` may each be a
``ModuleDict`` of several networks (CycleGAN trains two generators with one optimizer and two discriminators with
another, as in the paper).
"""

from __future__ import annotations

import abc
import contextlib
import functools
import importlib
import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import lightning as L
import torch
from jsonargparse import Namespace
from lightning.pytorch.cli import LRSchedulerCallable, OptimizerCallable
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from ganzoo.distributed import draw_for_rank
from ganzoo.losses import LossName, get_loss

Losses = dict[str, Tensor]

#: Radford et al.'s Adam settings, the default for most variants.
ADAM_DCGAN: dict[str, Any] = {
    "class_path": "torch.optim.Adam",
    "init_args": {"lr": 2e-4, "betas": (0.5, 0.999)},
}

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


class GAN(L.LightningModule, abc.ABC):
    """Base LightningModule of the zoo: an alternating two-player game with manual optimization.

    Args:
        data_shape: shape of one sample, ``(C, H, W)`` for images or ``(D,)`` for flat data. Linked from the
            datamodule by the CLI.
        num_classes: number of labels the data carries (0 if unlabelled). Linked from the datamodule.
        latent_dim: size of the generator's input noise z ~ N(0, I).
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
        num_progress_samples: how many fixed-noise samples the progress images show; default 64 for images and
            2,500 (the mode-coverage protocol's count) for flat data.
    """

    def __init__(
        self,
        data_shape: Sequence[int] = (1, 32, 32),
        num_classes: int = 0,
        latent_dim: int = 100,
        loss: LossName = "non_saturating",
        optimizer_g: OptimizerCallable = ADAM_DCGAN,
        optimizer_d: OptimizerCallable = ADAM_DCGAN,
        scheduler_g: LRSchedulerCallable | None = None,
        scheduler_d: LRSchedulerCallable | None = None,
        n_critic: int = 1,
        clip_grad_norm_g: float | None = None,
        clip_grad_norm_d: float | None = None,
        ema_decay: float | None = None,
        num_progress_samples: int | None = None,
    ) -> None:
        super().__init__()
        if n_critic < 1:
            raise ValueError(f"n_critic must be ≥ 1, got {n_critic}")
        self.save_hyperparameters()
        # Callables passed from Python cannot go into a weights-only checkpoint; their CLI form (a dict) can stay.
        for key in _OPTIMIZER_ARGS:
            if callable(self.hparams.get(key)):
                del self.hparams[key], self._hparams_initial[key]
        self.automatic_optimization = False
        self.data_shape = tuple(int(s) for s in data_shape)
        self.num_classes = num_classes
        self.latent_dim = latent_dim
        self.loss = get_loss(loss)
        self.optimizer_g, self.optimizer_d = as_callable(optimizer_g), as_callable(optimizer_d)
        self.scheduler_g, self.scheduler_d = as_callable(scheduler_g), as_callable(scheduler_d)
        self.n_critic = n_critic
        self.clip_grad_norm = {"g": clip_grad_norm_g, "d": clip_grad_norm_d}
        # Counters that mean something (``global_step`` counts every optimizer's steps); saved in checkpoints.
        self.d_steps = 0
        self.g_steps = 0
        self.images_seen = 0

        self.generator = self.build_generator()
        self.discriminator = self.build_discriminator()
        self.generator_ema: AveragedModel | None = None
        if ema_decay is not None:
            self.generator_ema = AveragedModel(
                self.generator, multi_avg_fn=get_ema_multi_avg_fn(ema_decay), use_buffers=True
            )
            # Frozen: it is updated by averaging, never by gradients (and DDP must not expect gradients for it).
            self.generator_ema.requires_grad_(False)
        if num_progress_samples is None:
            num_progress_samples = 64 if len(self.data_shape) == 3 else 2500
        self.register_buffer("fixed_z", self.sample_latent(num_progress_samples, device="cpu"))

    # ------------------------------------------------------------------ what a variant defines
    @abc.abstractmethod
    def build_generator(self) -> nn.Module:
        """The generator role: a network, or a ``ModuleDict`` of networks sharing one optimizer."""

    @abc.abstractmethod
    def build_discriminator(self) -> nn.Module:
        """The discriminator role: a network, or a ``ModuleDict`` of networks sharing one optimizer."""

    def sample_latent(self, n: int, device: torch.device | str | None = None) -> Tensor:
        """Draws ``n`` latent codes z ~ N(0, I) (under DDP, this rank's share of one draw for the global batch)."""
        device = device if device is not None else self.device
        return draw_for_rank(lambda m: torch.randn(m, self.latent_dim, device=device), n)

    def generate(self, z: Tensor, labels: Tensor | None = None, generator: nn.Module | None = None) -> Tensor:
        """Maps latents (and labels, for conditional variants) to samples."""
        return (generator or self.generator)(z)

    def discriminate(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        """One logit (raw score) per sample."""
        return self.discriminator(x)

    def discriminator_loss(self, batch: Any) -> Losses:
        """Losses of one discriminator step; ``loss`` is minimised, every other entry is logged."""
        real, labels = batch[0], batch[1]
        with torch.no_grad():
            fake = self.generate(self.sample_latent(real.shape[0]), labels)
        real_logits = self.discriminate(real, labels)
        fake_logits = self.discriminate(fake, labels)
        losses = {
            "loss": self.loss.d(real_logits, fake_logits),
            "d_real": self.loss.score(real_logits.detach()).mean(),
            "d_fake": self.loss.score(fake_logits.detach()).mean(),
        }
        # Regularisers shape training; validation (run without gradients) reports the adversarial loss alone.
        penalties = self.discriminator_penalties(real, fake, labels) if torch.is_grad_enabled() else {}
        for name, penalty in penalties.items():
            losses["loss"] = losses["loss"] + penalty
            losses[name] = penalty.detach()
        return losses

    def discriminator_penalties(self, real: Tensor, fake: Tensor, labels: Tensor | None) -> Losses:
        """Weighted regularisers added to the discriminator loss (WGAN-GP's gradient penalty, R1), by name."""
        return {}

    def generator_loss(self, batch: Any) -> Losses:
        """Losses of one generator step; ``loss`` is minimised, every other entry is logged."""
        labels = batch[1]
        fake_logits = self.discriminate(self.generate(self.sample_latent(batch[0].shape[0]), labels), labels)
        return {"loss": self.loss.g(fake_logits)}

    def on_discriminator_step_end(self) -> None:
        """Called after every discriminator update (WGAN clips the critic's weights here)."""

    # ------------------------------------------------------------------ the training loop
    def configure_optimizers(self) -> Any:
        opt_g = self.optimizer_g(self.generator.parameters())
        opt_d = self.optimizer_d(self.discriminator.parameters())
        schedulers = [s(o) for s, o in ((self.scheduler_g, opt_g), (self.scheduler_d, opt_d)) if s is not None]
        return [opt_g, opt_d], schedulers

    def training_step(self, batch: Any, batch_idx: int) -> None:
        opt_g, opt_d = self.optimizers()
        # The generator runs under no_grad in the D step, so only the G step needs the other player frozen.
        logs = {f"{k}_d" if k == "loss" else k: v for k, v in self._step(opt_d, self.discriminator_loss, batch, False)}
        self.on_discriminator_step_end()
        self.d_steps += 1
        self.images_seen += _batch_size(batch) * self.trainer.world_size
        if self.d_steps % self.n_critic == 0:
            logs |= {f"{k}_g" if k == "loss" else k: v for k, v in self._step(opt_g, self.generator_loss, batch, True)}
            self.g_steps += 1
            if self.generator_ema is not None:
                self.generator_ema.update_parameters(self.generator)
        if self._log_due():
            self.log_dict({f"train/{k}": v for k, v in logs.items()}, prog_bar=False)
            self._log_counters()

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
        role = "g" if optimizer is self.trainer.optimizers[0] else "d"
        if self._log_due():
            grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
            if grads:
                self.log(f"train/grad_norm_{role}", torch.nn.utils.get_total_norm(grads))
        if (max_norm := self.clip_grad_norm[role]) is not None:
            self.clip_gradients(optimizer, gradient_clip_val=max_norm, gradient_clip_algorithm="norm")

    def on_train_epoch_end(self) -> None:
        schedulers = self.lr_schedulers()
        for scheduler in schedulers if isinstance(schedulers, list) else [schedulers] if schedulers else []:
            scheduler.step()

    def _log_due(self) -> bool:
        # Align with the steps on which Lightning writes to the logger, so nothing is computed only to be dropped.
        return self.trainer._logger_connector.should_update_logs

    def _log_counters(self) -> None:
        # Logging "step" makes it the x-axis of every logger: generator steps, not optimizer steps of both players.
        self.log("step", float(self.g_steps))
        self.log("train/kimg", self.images_seen / 1000)

    # ------------------------------------------------------------------ validation and test
    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self._evaluate(batch, "val")

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self._evaluate(batch, "test")

    def _evaluate(self, batch: Any, stage: str) -> None:
        """D's view of held-out real data against fresh fakes: a D(x_val) drifting below D(x_train) means D
        memorises the training set. A BatchNorm D scores validation with running statistics and training batches with
        batch statistics, so compare the gap's trend, not its level."""
        losses = self.discriminator_loss(batch)
        self.log_dict({f"{stage}/{k}_d" if k == "loss" else f"{stage}/{k}": v for k, v in losses.items()})
        self.log("step", float(self.g_steps))

    # ------------------------------------------------------------------ sampling
    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """Generates samples from latents with the training generator."""
        return self.generate(z, labels)

    def predict_step(self, batch: Any, batch_idx: int) -> Tensor:
        """``ganzoo predict``: one generated sample per sample of the batch (with its label, if conditional)."""
        return self.sample(_batch_size(batch), labels=batch[1] if self.num_classes else None)

    @torch.no_grad()
    def sample(
        self,
        n: int | None = None,
        *,
        z: Tensor | None = None,
        labels: Tensor | None = None,
        ema: bool = True,
        **generate_kwargs: Any,
    ) -> Tensor:
        """Generates float32 samples in the data's range ([−1, 1] for images), in eval mode.

        Uses the EMA generator when there is one and ``ema`` is true. Give either ``n`` or latents ``z``. Extra
        keyword arguments go to :meth:`generate` (e.g. StyleGAN's ``truncation``).
        """
        if z is None:
            if n is None:
                raise ValueError("sample() needs n or z")
            z = self.sample_latent(n)
        generator = self.generator_ema.module if ema and self.generator_ema is not None else self.generator
        was_training = generator.training
        generator.eval()
        try:
            # The latents follow the weights' dtype (64-true, bf16-true); the samples are float32 whatever the
            # precision (autocast, half weights), which is what image writers and feature networks expect.
            z = z.to(self.device, self.dtype)
            return self.generate(z, labels, generator=generator, **generate_kwargs).float()
        finally:
            generator.train(was_training)

    def progress_labels(self, n: int) -> Tensor | None:
        """Labels for the fixed-noise progress samples (conditional variants give one row per class)."""
        return None

    def progress_samples(self) -> Tensor:
        """Samples from the fixed noise, for progress grids."""
        return self.sample(z=self.fixed_z, labels=self.progress_labels(self.fixed_z.shape[0]))

    def progress_grid_rows(self) -> int:
        """Images per row in the progress grid."""
        return max(1, round(math.sqrt(self.fixed_z.shape[0])))

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
            "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        }

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        state = checkpoint.get("ganzoo", {})
        self.d_steps = state.get("d_steps", 0)
        self.g_steps = state.get("g_steps", 0)
        self.images_seen = state.get("images_seen", 0)
        if "rng_torch" in state:
            torch.set_rng_state(state["rng_torch"])
            random.setstate(state["rng_python"])
            if state["rng_cuda"] and torch.cuda.is_available():
                torch.cuda.set_rng_state_all(state["rng_cuda"])


def _batch_size(batch: Any) -> int:
    return (batch[0] if isinstance(batch, (list, tuple)) else batch).shape[0]
