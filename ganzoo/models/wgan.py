"""Wasserstein GANs: weight clipping (Arjovsky et al. 2017) and gradient penalty (Gulrajani et al. 2017)."""

from __future__ import annotations

from typing import Any

import torch
from lightning.pytorch.cli import OptimizerCallable
from torch import Tensor

from ganzoo.losses import LossName
from ganzoo.models.backbone_gan import BackboneGAN
from ganzoo.models.base import Losses, adam
from ganzoo.nets import Activation, Norm
from ganzoo.nets.backbones import Backbone
from ganzoo.registry import register_model
from ganzoo.regularizers import gradient_penalty

RMSPROP_WGAN: dict[str, Any] = {"class_path": "torch.optim.RMSprop", "init_args": {"lr": 5e-5}}
ADAM_WGAN_GP = adam(1e-4, (0.0, 0.9))


class _Critic(BackboneGAN):
    """Shared by both: a critic (no sigmoid: the Wasserstein loss takes raw scores) on a DCGAN or MLP backbone.

    Args:
        backbone: ``dcgan`` (convolutional, square images), ``mlp`` (images or flat data), or ``auto`` (``dcgan``
            for images, ``mlp`` for flat data).
        base_channels: DCGAN width (see :class:`~ganzoo.models.DCGAN`).
        hidden: MLP hidden widths of both networks.
        activation: MLP activation.
        g_norm: the generator's normalisation (None: the backbone's, BatchNorm for DCGAN, none for the MLP).
        d_norm: the critic's normalisation (None: the backbone's).
        loss: the adversarial loss; the Wasserstein critic loss by default.
    """

    def __init__(
        self,
        backbone: Backbone = "auto",
        base_channels: int = 64,
        hidden: tuple[int, ...] = (512, 512, 512),
        activation: Activation = "relu",
        g_norm: Norm | None = None,
        d_norm: Norm | None = None,
        loss: LossName = "wasserstein",
        **kwargs: Any,
    ) -> None:
        # A signature default, not ``kwargs.setdefault``: the CLI fills in every base argument, so only a default
        # declared here reaches a model built by ``ganzoo fit``.
        super().__init__(loss=loss, **kwargs)


@register_model("wgan", "Arjovsky et al. 2017: critic, weight clipping c=0.01, RMSProp 5e-5, n_critic 5")
class WGAN(_Critic):
    """WGAN with weight clipping: every critic weight is clamped to [−c, c] after each critic step; RMSProp 5e-5,
    n_critic = 5, as in the paper.

    Args:
        clip_value: c.
        **kwargs: see :class:`_Critic` and :class:`~ganzoo.models.base.GAN`.
    """

    def __init__(
        self,
        clip_value: float = 0.01,
        optimizer_g: OptimizerCallable = RMSPROP_WGAN,
        optimizer_d: OptimizerCallable = RMSPROP_WGAN,
        n_critic: int = 5,
        **kwargs: Any,
    ) -> None:
        super().__init__(optimizer_g=optimizer_g, optimizer_d=optimizer_d, n_critic=n_critic, **kwargs)
        self.clip_value = clip_value

    @torch.no_grad()
    def on_discriminator_step_end(self) -> None:
        for p in self.discriminator.parameters():
            p.clamp_(-self.clip_value, self.clip_value)


@register_model("wgan_gp", "Gulrajani et al. 2017: gradient penalty λ=10, Adam 1e-4 β=(0,0.9), n_critic 5")
class WGANGP(_Critic):
    """WGAN-GP: the critic loss plus λ·E[(‖∇D(x̂)‖ − 1)²] on random interpolates; Adam 1e-4, β = (0, 0.9),
    n_critic = 5, λ = 10, and layer norm instead of BatchNorm in the critic (the penalty is per sample).

    Args:
        gp_weight: λ.
        **kwargs: see :class:`_Critic` and :class:`~ganzoo.models.base.GAN`.
    """

    def __init__(
        self,
        gp_weight: float = 10.0,
        optimizer_g: OptimizerCallable = ADAM_WGAN_GP,
        optimizer_d: OptimizerCallable = ADAM_WGAN_GP,
        n_critic: int = 5,
        d_norm: Norm | None = "layer",
        **kwargs: Any,
    ) -> None:
        super().__init__(optimizer_g=optimizer_g, optimizer_d=optimizer_d, n_critic=n_critic, d_norm=d_norm, **kwargs)
        self.gp_weight = gp_weight

    def discriminator_penalties(self, real: Tensor, fake: Tensor, labels: Tensor | None) -> Losses:
        scaler = self.grad_scaler()
        return {"gp": self.gp_weight * gradient_penalty(lambda x: self.discriminate(x, labels), real, fake, scaler)}
