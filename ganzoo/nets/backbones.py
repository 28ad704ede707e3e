"""One place that turns a backbone name into networks, for the variants that offer a choice of networks: DCGAN,
the InfoGAN-style networks of Lucic et al. (2018), Metz et al.'s (2017) small Stacked MNIST networks, or MLPs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from torch import nn

from ganzoo.errors import UserError
from ganzoo.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from ganzoo.nets.infogan import InfoGANDiscriminator, InfoGANGenerator
from ganzoo.nets.layers import Norm
from ganzoo.nets.metz import MetzDiscriminator, MetzGenerator
from ganzoo.nets.mlp import Activation, MLPDiscriminator, MLPGenerator

Backbone = Literal["auto", "dcgan", "infogan", "metz", "mlp"]

#: What makes each backbone that backbone: the normalisation of its generator and discriminator by default.
DEFAULT_NORMS: dict[str, tuple[Norm, Norm]] = {
    "dcgan": ("batch", "batch"),
    "infogan": ("batch", "batch"),
    "metz": ("batch", "batch"),
    "mlp": ("none", "none"),
}


def resolve_backbone(backbone: Backbone, data_shape: Sequence[int]) -> str:
    """``auto`` is ``dcgan`` for images and ``mlp`` for flat data; refuses ``dcgan`` on flat data with one line."""
    if backbone == "auto":
        return "dcgan" if len(data_shape) == 3 else "mlp"
    if backbone != "mlp" and len(data_shape) != 3:
        raise UserError(f"the {backbone} backbone needs images, but this data is flat (shape {tuple(data_shape)}); use "
                        "--model.backbone mlp (or auto)")  # fmt: skip
    return backbone


def resolve_norm(norm: Norm | None, backbone: str, role: Literal["g", "d"]) -> Norm:
    """``norm``, or the backbone's own default for that player when None."""
    return norm if norm is not None else DEFAULT_NORMS[backbone][role == "d"]


def backbone_generator(backbone: Backbone, latent_dim: int, out_shape: Sequence[int], *, base_channels: int,
                       hidden: Sequence[int], activation: Activation, norm: Norm) -> nn.Module:  # fmt: skip
    """A DCGAN generator (square images), an InfoGAN-style one (sides multiple of 4), Metz et al.'s small one or an MLP
    one (tanh output for images, linear for flat data). ``base_channels`` is the DCGAN width; the others have fixed
    widths."""
    if backbone == "dcgan":
        return DCGANGenerator(latent_dim, out_shape, base_channels, norm)
    if backbone == "infogan":
        return InfoGANGenerator(latent_dim, out_shape, norm)
    if backbone == "metz":
        return MetzGenerator(latent_dim, out_shape, norm)
    return MLPGenerator(latent_dim, out_shape, hidden, activation, norm, tanh_output=len(out_shape) == 3)


def backbone_discriminator(backbone: Backbone, in_shape: Sequence[int], *, base_channels: int,
                           hidden: Sequence[int], activation: Activation, norm: Norm) -> nn.Module:  # fmt: skip
    """A DCGAN, InfoGAN-style, Metz et al.'s or MLP discriminator, each split into ``body`` and ``head``."""
    if backbone == "dcgan":
        return DCGANDiscriminator(in_shape, base_channels, norm)
    if backbone == "infogan":
        return InfoGANDiscriminator(in_shape, norm)
    if backbone == "metz":
        return MetzDiscriminator(in_shape, norm)
    return MLPDiscriminator(in_shape, hidden, activation, norm)
