"""DCGAN (Radford et al. 2015)."""

from __future__ import annotations

from typing import Any

from torch import nn

from ganzoo.models.base import GAN
from ganzoo.nets import DCGANDiscriminator, DCGANGenerator, Norm
from ganzoo.registry import register_model


@register_model("dcgan", "Radford et al. 2015: conv G/D with BatchNorm, Adam 2e-4 β1=0.5; 16–128 px")
class DCGAN(GAN):
    """Transposed-conv generator (BatchNorm + ReLU, tanh output) and strided-conv discriminator (LeakyReLU 0.2,
    BatchNorm except on its input layer), N(0, 0.02) init, Adam 2e-4 with β1 = 0.5. Square images of side 16, 32,
    64, … with any number of channels.

    Args:
        base_channels: width of the generator's last and the discriminator's first hidden layer; the others double.
        g_norm: normalisation of the generator's hidden layers.
        d_norm: normalisation of the discriminator's hidden layers (``layer`` or ``none`` for gradient penalties).
        **kwargs: see :class:`~ganzoo.models.base.GAN`.
    """

    def __init__(self, base_channels: int = 64, g_norm: Norm = "batch", d_norm: Norm = "batch", **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def build_generator(self) -> nn.Module:
        return DCGANGenerator(self.latent_dim, self.data_shape, self.hparams.base_channels, self.hparams.g_norm)

    def build_discriminator(self) -> nn.Module:
        return DCGANDiscriminator(self.data_shape, self.hparams.base_channels, self.hparams.d_norm)
