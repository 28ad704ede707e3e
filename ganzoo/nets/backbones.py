"""One place that turns a backbone name into networks, for the variants that offer DCGAN or MLP networks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from torch import nn

from ganzoo.errors import UserError
from ganzoo.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from ganzoo.nets.layers import Norm
from ganzoo.nets.mlp import Activation, MLPDiscriminator, MLPGenerator

Backbone = Literal["auto", "dcgan", "mlp"]

#: What makes each backbone that backbone: the normalisation of its generator and discriminator by default.
DEFAULT_NORMS: dict[str, tuple[Norm, Norm]] = {"dcgan": ("batch", "batch"), "mlp": ("none", "none")}


def resolve_backbone(backbone: Backbone, data_shape: Sequence[int]) -> str:
    """``auto`` is ``dcgan`` for images and ``mlp`` for flat data; refuses ``dcgan`` on flat data with one line."""
    if backbone == "auto":
        return "dcgan" if len(data_shape) == 3 else "mlp"
    if backbone == "dcgan" and len(data_shape) != 3:
        raise UserError(f"the dcgan backbone needs images, but this data is flat (shape {tuple(data_shape)}); use "
                        "--model.backbone mlp (or auto)")  # fmt: skip
    return backbone


def resolve_norm(norm: Norm | None, backbone: str, role: Literal["g", "d"]) -> Norm:
    """``norm``, or the backbone's own default for that player when None."""
    return norm if norm is not None else DEFAULT_NORMS[backbone][role == "d"]


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
