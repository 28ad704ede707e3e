"""Noise-to-sample GANs: the family of every ganzoo variant that draws samples from latent noise.

``GAN`` adds to the two-player core (:mod:`ganzoo.models.two_player`) what noise GANs share: the latent z ~ N(0, I),
the default adversarial losses from :mod:`ganzoo.losses` with optional penalties, sampling (from the EMA generator
when there is one), and progress samples from fixed noise. A variant builds its networks in :meth:`build_generator` /
:meth:`build_discriminator` and overrides only what differs: the losses, an extra regulariser, a hook after the
discriminator step. A variant conditioned on class labels declares ``num_classes`` in its signature (the CLI links it
from the datamodule); every other variant has ``num_classes == 0``, whatever labels the data carries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from ganzoo.data.unpaired import UnpairedDataModule
from ganzoo.distributed import draw_for_rank
from ganzoo.errors import UserError
from ganzoo.models.two_player import ADAM_DCGAN, Losses, TwoPlayerModule, adam, as_callable, batch_size
from ganzoo.regularizers import zero_centered_penalty

__all__ = ["ADAM_DCGAN", "GAN", "Losses", "adam", "as_callable"]


class GAN(TwoPlayerModule):
    """Base of the noise-to-sample variants.

    Args:
        data_shape: shape of one sample, ``(C, H, W)`` for images or ``(D,)`` for flat data (linked from the data).
        latent_dim: size of the generator's input noise z ~ N(0, I).
        num_progress_samples: how many fixed-noise samples the progress images show; default 64 for images and
            2,500 (the mode-coverage protocol's count) for flat data.
        r1_gamma: γ of R1, γ/2·E‖∇D(x)‖² on real data, added to D's loss (0: off). Any variant can use it.
        r2_gamma: γ of R2, the same penalty on generated data (0: off); R3GAN uses R1 and R2 with the
            ``relativistic`` loss.
        **kwargs: see :class:`~ganzoo.models.two_player.TwoPlayerModule` (loss, optimizers, n_critic, clipping, EMA).
    """

    #: Whether the variant can model flat data (the 2D toys) as well as images.
    accepts_flat_data: ClassVar[bool] = False
    #: Whether ``discriminate`` gives one score per sample (PacGAN's scores packs; rejection sampling needs samples).
    per_sample_discriminator: ClassVar[bool] = True

    def __init__(
        self,
        data_shape: Sequence[int] = (1, 32, 32),
        latent_dim: int = 100,
        num_progress_samples: int | None = None,
        r1_gamma: float = 0.0,
        r2_gamma: float = 0.0,
        **kwargs: Any,
    ) -> None:
        if len(data_shape) != 3 and not self.accepts_flat_data:
            raise UserError(flat_data_message(type(self), data_shape))
        self.latent_dim = latent_dim
        super().__init__(data_shape=data_shape, **kwargs)
        if num_progress_samples is None:
            num_progress_samples = 64 if len(self.data_shape) == 3 else 2500
        self.register_buffer("fixed_z", self.sample_latent(num_progress_samples, device="cpu"))

    # ------------------------------------------------------------------ what a variant defines
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
        penalties: Losses = {}
        if torch.is_grad_enabled():
            penalties = self.discriminator_penalties(real, fake, labels)
            penalties |= self.zero_centered_penalties(real, fake, labels)
        for name, penalty in penalties.items():
            losses["loss"] = losses["loss"] + penalty
            losses[name] = penalty.detach()
        return losses

    def discriminator_penalties(self, real: Tensor, fake: Tensor, labels: Tensor | None) -> Losses:
        """Weighted regularisers added to the discriminator loss (WGAN-GP's gradient penalty, R1), by name."""
        return {}

    def zero_centered_penalties(self, real: Tensor, fake: Tensor, labels: Tensor | None) -> Losses:
        """R1 and R2 where their γ is above 0 (StyleGAN-lite computes them lazily)."""
        hp, penalties = self.hparams, {}
        for name, gamma, x in (("r1", hp.r1_gamma, real), ("r2", hp.r2_gamma, fake)):
            if gamma:
                penalties[name] = zero_centered_penalty(lambda v: self.discriminate(v, labels), x, gamma,
                                                        self.grad_scaler())  # fmt: skip
        return penalties

    def generator_loss(self, batch: Any) -> Losses:
        """Losses of one generator step; ``loss`` is minimised, every other entry is logged."""
        real, labels = batch[0], batch[1]
        fake_logits = self.discriminate(self.generate(self.sample_latent(real.shape[0]), labels), labels)
        # The relativistic loss pairs each generated sample with a real one; the other losses read only the fakes.
        real_logits = self.discriminate(real, labels) if self.loss.pairs else None
        return {"loss": self.loss.g(fake_logits, real_logits)}

    # ------------------------------------------------------------------ sampling
    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """Generates samples from latents with the training generator."""
        return self.generate(z, labels)

    def predict_step(self, batch: Any, batch_idx: int) -> Tensor:
        """``ganzoo predict``: one generated sample per sample of the batch (with its label, if conditional)."""
        return self.sample(batch_size(batch), labels=batch[1] if self.num_classes else None)

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
        generator = self.sampling_generator(ema)
        was_training = generator.training
        generator.eval()
        try:
            # The latents follow the weights' dtype (64-true, bf16-true); the samples are float32 whatever the
            # precision (autocast, half weights), which is what image writers and feature networks expect.
            z = z.to(self.device, self.dtype)
            return self.generate(z, labels, generator=generator, **generate_kwargs).float()
        finally:
            generator.train(was_training)

    def progress_samples(self) -> Tensor:
        """Samples from the fixed noise, for progress grids."""
        return self.sample(z=self.fixed_z)

    def progress_grid_rows(self) -> int:
        """Images per row in the progress grid."""
        return max(1, round(math.sqrt(self.fixed_z.shape[0])))

    def check_datamodule(self, datamodule: Any) -> None:
        if isinstance(datamodule, UnpairedDataModule):
            raise UserError(
                f"{type(self).__name__} learns one distribution, but {type(datamodule).__name__} holds two unpaired "
                "domains: train cyclegan on it, or give single-domain data (ganzoo datasets)"
            )
        if self.num_classes and datamodule.num_classes != self.num_classes:
            raise UserError(
                f"{type(self).__name__} is conditioned on {self.num_classes} classes, but {type(datamodule).__name__} "
                f"carries {datamodule.num_classes}; give labelled data with as many classes"
            )


def flat_data_message(cls: type, data_shape: Sequence[int]) -> str:
    """The one-line refusal of an image-only variant given flat data, naming the variants that can model it."""
    from ganzoo.registry import models

    able = [name for name, entry in models().items() if issubclass(entry.cls, GAN) and entry.cls.accepts_flat_data]
    return (
        f"{cls.__name__} generates images, but this data is flat (shape {tuple(data_shape)}); for the 2D toys use "
        f"one of: {', '.join(able)}"
    )
