"""One place that turns a backbone name into networks, for the variants that offer DCGAN or MLP networks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from torch import nn

from ganzoo.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from ganzoo.nets.layers import Norm
from ganzoo.nets.mlp import Activation, MLPDiscriminator, MLPGenerator

Backbone = Literal["dcgan", "mlp"]


def backbone_generator(backbone: Backbone, latent_dim: int, out_shape: Sequence[int], *, base_channels: int,
                       hidden: Sequence[int], activation: Activation, norm: Norm) -> nn.Module:  # fmt: skip
    """A DCGAN generator (square images) or an MLP one (tanh output for images, linear for flat data)."""
    if backbone == "dcgan":
        return DCGANGenerator(latent_dim, out_shape, base_channels, norm)
    return MLPGenerator(latent_dim, out_shape, hidden, activation, norm, tanh_output=len(out_shape) == 3)


def backbone_discriminator(backbone: Backbone, in_shape: Sequence[int], *, base_channels: int,
                           hidden: Sequence[int], activation: Activation, norm: Norm) -> nn.Module:  # fmt: skip
    """A DCGAN or MLP discriminator, both split into ``body`` and ``head``."""
    if backbone == "dcgan":
        return DCGANDiscriminator(in_shape, base_channels, norm)
    return MLPDiscriminator(in_shape, hidden, activation, norm)
