"""Layers with an equalised learning rate (Karras et al. 2018, ProGAN section 4.1; kept by StyleGAN 1 and 2).

The weights are stored with unit-scale initialisation and multiplied at run time by ``lr_mul / sqrt(fan_in)``
(He's constant). Adam's update size does not depend on a weight's scale, so every layer then learns at the same
effective speed whatever its fan-in; ``lr_mul`` < 1 slows a layer down (StyleGAN's mapping network uses 0.01).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: LeakyReLU slope and the gain that keeps the activations' second moment (StyleGAN2's ``bias_act`` defaults).
LRELU_SLOPE = 0.2
LRELU_GAIN = math.sqrt(2)


def lrelu(x: Tensor) -> Tensor:
    """LeakyReLU(0.2) × √2."""
    return F.leaky_relu(x, LRELU_SLOPE) * LRELU_GAIN


class EqualizedLinear(nn.Module):
    """``y = x Wᵀ·g + b·lr_mul`` with ``g = lr_mul / sqrt(in_features)``, optionally followed by :func:`lrelu`.

    As in the official StyleGAN2 code the stored weight is drawn from N(0, 1) / lr_mul, so that the effective weight
    starts as N(0, 1/fan_in) whatever ``lr_mul`` is; only its learning speed is scaled.

    Args:
        in_features: input width.
        out_features: output width.
        bias: whether to add a learned bias.
        bias_init: initial value of the (effective) bias; StyleGAN's style affines start at 1.
        lr_mul: learning-rate multiplier.
        activation: apply :func:`lrelu` after the bias.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, bias_init: float = 0.0,
                 lr_mul: float = 1.0, activation: bool = False) -> None:  # fmt: skip
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init) / lr_mul)) if bias else None
        self.lr_mul = lr_mul
        self.weight_gain = lr_mul / math.sqrt(in_features)
        self.activation = activation

    def forward(self, x: Tensor) -> Tensor:
        bias = self.bias * self.lr_mul if self.bias is not None else None
        x = F.linear(x, self.weight * self.weight_gain, bias)
        return lrelu(x) if self.activation else x

    def extra_repr(self) -> str:
        return (f"{self.in_features}, {self.out_features}, bias={self.bias is not None}, lr_mul={self.lr_mul}, "
                f"activation={self.activation}")  # fmt: skip


class EqualizedConv2d(nn.Module):
    """A same-padded convolution with an equalised learning rate (gain ``1 / sqrt(in_channels·k²)``).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: odd kernel side.
        bias: whether to add a learned bias.
        activation: apply :func:`lrelu` after the bias.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, bias: bool = True,
                 activation: bool = False) -> None:  # fmt: skip
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)
        self.activation = activation

    def forward(self, x: Tensor) -> Tensor:
        x = F.conv2d(x, self.weight * self.weight_gain, self.bias, padding=self.weight.shape[-1] // 2)
        return lrelu(x) if self.activation else x

    def extra_repr(self) -> str:
        out_ch, in_ch, k, _ = self.weight.shape
        return f"{in_ch}, {out_ch}, kernel_size={k}, activation={self.activation}"
