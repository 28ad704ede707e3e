"""Small building blocks shared by the architectures."""

from __future__ import annotations

from typing import Literal

from torch import nn

Norm = Literal["batch", "layer", "none"]


def make_norm(kind: Norm, channels: int, *, spatial: bool) -> nn.Module:
    """A normalisation layer for ``channels`` features; ``layer`` normalises each sample over all its features."""
    if kind == "batch":
        return nn.BatchNorm2d(channels) if spatial else nn.BatchNorm1d(channels)
    if kind == "layer":
        # GroupNorm with one group == LayerNorm over (C, H, W) with a per-channel affine, as in WGAN-GP's critic.
        return nn.GroupNorm(1, channels) if spatial else nn.LayerNorm(channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}; choose batch, layer or none")


def dcgan_init(module: nn.Module) -> None:
    """Radford et al.'s initialisation: weights ~ N(0, 0.02), norm scales ~ N(1, 0.02), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
