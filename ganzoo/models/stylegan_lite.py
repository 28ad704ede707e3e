"""StyleGAN-lite: StyleGAN2 (Karras et al. 2019, 2020; config-e/f) scaled down to train on a CPU."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from lightning.pytorch.cli import OptimizerCallable
from torch import Tensor, nn
from torch.optim.swa_utils import get_ema_multi_avg_fn

from ganzoo.models.base import GAN, Losses, adam
from ganzoo.nets.stylegan import (
    CHANNEL_BASE,
    CHANNEL_MAX,
    DiscriminatorArchitecture,
    NoiseMode,
    StyleGANDiscriminator,
    StyleGANGenerator,
)
from ganzoo.plots import image_grid
from ganzoo.registry import register_model

#: StyleGAN2's Adam (β = (0, 0.99), ε = 1e-8) for both players, at lr 0.005 instead of the papers' 0.002: budgets
#: of a few hundred kimg on a CPU (the papers train for 25,000) learn much faster with it (Fashion-MNIST 32×32, 15
#: CPU minutes: FID 154 at 0.002, 57 at 0.005, 71 at 0.01, 177 at 0.02; README, *Results*).
ADAM_STYLEGAN_LITE = adam(5e-3, (0.0, 0.99), eps=1e-8)


@register_model("stylegan_lite", "Karras et al. 2019/2020, small: mapping net, modulated convs, R1, truncation")
class StyleGANLite(GAN):
    """StyleGAN2 with small widths: a mapping network z → w (pixel-normed z, equalised FC layers at lr × 0.01),
    a learned 4×4 constant, modulated and demodulated 3×3 convolutions with per-layer noise of learned strength,
    skip outputs (upsampled toRGB sum); a residual (or plain) discriminator with a minibatch-stddev layer.
    Non-saturating logistic loss, lazy R1 on real data, style-mixing regularisation, the truncation trick for sampling,
    and an EMA generator (with StyleGAN2-ADA's ramp-up) for samples and metrics. Square images of side 8, 16, 32, 64,
    … with any number of channels.

    Args:
        w_dim: size of the intermediate latent w.
        mapping_layers: depth of the mapping network: the papers use 8, the lite default 4 (StyleGAN2-ADA's
            small-data configs use 2).
        mapping_lr_mul: learning-rate multiplier of the mapping network (0.01 in the papers).
        channel_base: width at resolution r is ``min(channel_base / r, channel_max)`` (the papers: 32768 and 512).
        channel_max: widest layer.
        mbstd_group_size: samples per group of the discriminator's minibatch standard-deviation layer.
        d_architecture: ``resnet`` (residual discriminator blocks, StyleGAN2 config e/f) or ``orig`` (plain blocks,
            the official code's CIFAR-10 choice).
        style_mixing_prob: probability that a training batch mixes two latents, crossing over at a random layer.
        r1_gamma: γ of the R1 penalty γ/2·E‖∇D(x)‖² on real data (0 disables it).
        r1_interval: compute R1 (and R2, if ``r2_gamma`` > 0) only every this many discriminator steps, scaled by
            the interval (lazy regularisation).
        w_avg_beta: momentum of the tracked mean w (the truncation centre).
        ema_rampup: the EMA's half-life is at most this fraction of the generator steps taken so far, so early
            samples are not dominated by the initial weights (StyleGAN2-ADA's ``ema_rampup``); None: plain EMA.
        latent_dim: size of z.
        ema_decay: decay of the EMA generator per generator step.
        optimizer_g: optimizer of the generator.
        optimizer_d: optimizer of the discriminator.
        **kwargs: see :class:`~ganzoo.models.base.GAN`.
    """

    def __init__(
        self,
        w_dim: int = 128,
        mapping_layers: int = 4,
        mapping_lr_mul: float = 0.01,
        channel_base: int = CHANNEL_BASE,
        channel_max: int = CHANNEL_MAX,
        mbstd_group_size: int = 4,
        d_architecture: DiscriminatorArchitecture = "resnet",
        style_mixing_prob: float = 0.9,
        r1_gamma: float = 0.01,
        r1_interval: int = 16,
        w_avg_beta: float = 0.995,
        ema_rampup: float | None = 0.05,
        latent_dim: int = 128,
        ema_decay: float | None = 0.999,
        optimizer_g: OptimizerCallable = ADAM_STYLEGAN_LITE,
        optimizer_d: OptimizerCallable = ADAM_STYLEGAN_LITE,
        **kwargs: Any,
    ) -> None:
        super().__init__(latent_dim=latent_dim, ema_decay=ema_decay, optimizer_g=optimizer_g,
                         optimizer_d=optimizer_d, r1_gamma=r1_gamma, **kwargs)  # fmt: skip
        if self.generator_ema is not None and ema_decay is not None and ema_rampup:
            self.generator_ema.multi_avg_fn = ema_with_rampup(ema_decay, ema_rampup)

    def build_generator(self) -> nn.Module:
        hp = self.hparams
        return StyleGANGenerator(self.latent_dim, self.data_shape, hp.w_dim, hp.mapping_layers, hp.mapping_lr_mul,
                                 hp.channel_base, hp.channel_max, hp.w_avg_beta)  # fmt: skip

    def build_discriminator(self) -> nn.Module:
        hp = self.hparams
        return StyleGANDiscriminator(self.data_shape, hp.channel_base, hp.channel_max, hp.mbstd_group_size,
                                     hp.d_architecture)  # fmt: skip

    # ------------------------------------------------------------------ generating
    def generate(
        self,
        z: Tensor,
        labels: Tensor | None = None,
        generator: nn.Module | None = None,
        *,
        truncation: float = 1.0,
        noise_mode: NoiseMode = "random",
        fine_z: Tensor | None = None,
        crossover: int | None = None,
    ) -> Tensor:
        """Images from latents z; in training mode a batch mixes in a second latent with ``style_mixing_prob``.

        Args:
            truncation: ψ; the w of every layer is pulled towards the mean w, w_avg + ψ (w − w_avg).
            noise_mode: see :data:`~ganzoo.nets.stylegan.NoiseMode`.
            fine_z: latents whose styles replace z's from layer ``crossover`` on (style mixing, on demand).
            crossover: first layer styled by ``fine_z``; default: the first 16×16 layer (coarse = 4² to 8², as in
                the StyleGAN paper).
        """
        g = generator or self.generator
        ws = g.styles(z, truncation)
        if fine_z is not None:
            cut = self.crossover(crossover, g)
            ws = torch.cat([ws[:, :cut], g.styles(fine_z, truncation)[:, cut:]], dim=1)
        elif g.training and self.hparams.style_mixing_prob > 0 and torch.rand(()) < self.hparams.style_mixing_prob:
            # Style-mixing regularisation: one crossover point per batch, as in the official code (whose second
            # mapping pass skips the w_avg update; here both passes update it, both being draws of z ~ N(0, I)).
            cut = int(torch.randint(1, g.num_ws, ()))
            ws = torch.cat([ws[:, :cut], g.styles(self.sample_latent(len(z), z.device), truncation)[:, cut:]], dim=1)
        return g.synthesis(ws, noise_mode)

    def crossover(self, crossover: int | None = None, generator: nn.Module | None = None) -> int:
        """The layer index from which fine styles apply (default: the first one at 16×16)."""
        g = generator or self.generator
        k = g.synthesis.ws_index(16) if crossover is None else crossover
        if not 0 <= k <= g.num_ws:
            raise ValueError(f"crossover must lie in 0…{g.num_ws}, got {k}")
        return k

    def sample(
        self,
        n: int | None = None,
        *,
        z: Tensor | None = None,
        labels: Tensor | None = None,
        ema: bool = True,
        truncation: float = 1.0,
        noise_mode: NoiseMode = "random",
        fine_z: Tensor | None = None,
        crossover: int | None = None,
    ) -> Tensor:
        """Samples in [−1, 1] (clamped: the synthesis output is linear), with truncation ψ and optional mixing
        (see :meth:`generate`)."""
        fine_z = fine_z.to(self.device) if fine_z is not None else None
        images = super().sample(n, z=z, labels=labels, ema=ema, truncation=truncation, noise_mode=noise_mode,
                                fine_z=fine_z, crossover=crossover)  # fmt: skip
        return images.clamp(-1, 1)

    # ------------------------------------------------------------------ regularisation
    def zero_centered_penalties(self, real: Tensor, fake: Tensor, labels: Tensor | None) -> Losses:
        """Lazy R1 (StyleGAN2 section 3.1): γ/2·E‖∇ₓD(x)‖² on real data, on every ``r1_interval``-th discriminator
        step only, multiplied by the interval so that its average strength is unchanged (R2 likewise)."""
        interval = self.hparams.r1_interval
        if self.d_steps % interval:
            return {}
        return {k: v * interval for k, v in super().zero_centered_penalties(real, fake, labels).items()}


def ema_with_rampup(decay: float, rampup: float) -> Callable[[list[Tensor], list[Tensor], Tensor], None]:
    """An ``AveragedModel`` multi-average function whose half-life is ``min(h, rampup · t)`` updates after t
    updates, h being the half-life of ``decay``: StyleGAN2-ADA's ``ema_rampup``, counted in generator steps."""
    if not 0 < decay < 1:
        return get_ema_multi_avg_fn(decay)
    half_life = math.log(0.5) / math.log(decay)

    @torch.no_grad()
    def update(ema_params: list[Tensor], params: list[Tensor], num_averaged: Tensor) -> None:
        beta = 0.5 ** (1 / min(half_life, rampup * float(num_averaged)))
        torch._foreach_lerp_(ema_params, params, 1 - beta)

    return update


@torch.no_grad()
def style_mixing_grid(
    model: StyleGANLite,
    coarse_z: Tensor,
    fine_z: Tensor,
    crossover: int | None = None,
    truncation: float = 1.0,
    ema: bool = True,
) -> Tensor:
    """Karras et al. 2019, figure 3, as one [0, 1] image (C, H', W'): the top row shows the images of ``coarse_z``,
    the left column those of ``fine_z``, and cell (i, j) takes its coarse styles (layers before ``crossover``: pose,
    shape) from ``coarse_z[j]`` and the rest (texture, colour) from ``fine_z[i]``. Constant noise throughout, so only
    the styles differ."""
    rows, cols = len(fine_z), len(coarse_z)
    kwargs: dict[str, Any] = {"ema": ema, "truncation": truncation, "noise_mode": "const"}
    top = model.sample(z=coarse_z, **kwargs)
    left = model.sample(z=fine_z, **kwargs)
    mixed = model.sample(z=coarse_z.repeat(rows, 1), fine_z=fine_z.repeat_interleave(cols, dim=0),
                         crossover=crossover, **kwargs)  # fmt: skip
    cells = [torch.ones_like(top[:1]), top]  # a white corner
    for i in range(rows):
        cells += [left[i : i + 1], mixed[i * cols : (i + 1) * cols]]
    return image_grid(torch.cat(cells), nrow=cols + 1)
