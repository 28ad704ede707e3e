"""DRAGAN (Kodali et al. 2017): the non-saturating GAN with a gradient penalty around the real data."""

from __future__ import annotations

from typing import Any

from lightning.pytorch.cli import OptimizerCallable
from torch import Tensor

from ganzoo.models.base import Losses, adam
from ganzoo.models.vanilla_gan import VanillaGAN
from ganzoo.nets.backbones import Backbone
from ganzoo.registry import register_model
from ganzoo.regularizers import dragan_penalty

#: The DRAGAN authors' and Lucic et al.'s (2018) default: Adam 1e-4, β1 = 0.5.
ADAM_DRAGAN = adam(1e-4, (0.5, 0.999))


@register_model("dragan", "Kodali et al. 2017: non-saturating GAN + gradient penalty λ=10 near the real data")
class DRAGAN(VanillaGAN):
    """D's loss plus λ·E[(‖∇D(x̂)‖ − 1)²] at points x̂ between real samples and noisy copies of them (see
    :func:`~ganzoo.regularizers.dragan_penalty`): D is kept smooth where the data is, which the authors argue
    prevents the sharp gradients behind mode collapse. Unlike WGAN-GP the game stays the logistic one.

    Args:
        gp_weight: λ.
        perturbation: the noise's scale, in units of the batch's standard deviation.
        backbone: ``auto`` (the default: DCGAN for images, MLP for flat data), ``dcgan``, ``infogan``, ``metz`` or
            ``mlp``.
        **kwargs: see :class:`~ganzoo.models.VanillaGAN` and :class:`~ganzoo.models.base.GAN`.
    """

    def __init__(
        self,
        gp_weight: float = 10.0,
        perturbation: float = 0.5,
        backbone: Backbone = "auto",
        optimizer_g: OptimizerCallable = ADAM_DRAGAN,
        optimizer_d: OptimizerCallable = ADAM_DRAGAN,
        **kwargs: Any,
    ) -> None:
        super().__init__(backbone=backbone, optimizer_g=optimizer_g, optimizer_d=optimizer_d, **kwargs)
        self.gp_weight = gp_weight
        self.perturbation = perturbation

    def discriminator_penalties(self, real: Tensor, fake: Tensor, labels: Tensor | None) -> Losses:
        critic = lambda x: self.discriminate(x, labels)  # noqa: E731
        return {"gp": self.gp_weight * dragan_penalty(critic, real, self.perturbation, self.grad_scaler())}
