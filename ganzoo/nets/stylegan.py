"""StyleGAN2 networks (Karras et al. 2019/2020, config-e/f), scaled down: a mapping network z → w, a synthesis network
with modulated/demodulated convolutions, noise inputs and skip (summed toRGB) outputs, and a residual discriminator
with a minibatch standard-deviation layer. Every weight has an equalised learning rate (:mod:`ganzoo.nets.equalized`).

Simplifications of the lite version: a downsampling convolution blurs and downsamples, then convolves at the lower
resolution (StyleGAN2 convolves with stride 2 after the blur); no path-length regularisation, fp16 clamping or
conditioning.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, get_args

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.distributed import draw_for_rank
from ganzoo.errors import UserError
from ganzoo.nets.equalized import EqualizedConv2d, EqualizedLinear, lrelu
from ganzoo.nets.minibatch import MinibatchStdDev

#: ``random``: fresh per-pixel noise each call (training); ``const``: a fixed noise image per layer (reproducible
#: images); ``none``: no noise.
NoiseMode = Literal["random", "const", "none"]

#: Default widths (see :func:`channels_at`): 64 channels at 4² and 8², 32 at 16², 16 at 32². On a CPU these beat
#: twice the widths on Fashion-MNIST 32×32; the papers use 32768 and 512.
CHANNEL_BASE, CHANNEL_MAX = 512, 64


def resolutions(shape: Sequence[int], who: str) -> list[int]:
    """4, 8, …, side for square images of side 2^k ≥ 8."""
    if len(shape) != 3 or shape[1] != shape[2] or shape[1] < 8 or shape[1] & (shape[1] - 1):
        raise UserError(
            f"{who} takes square images of side 8, 16, 32, 64…, got shape {tuple(shape)}; set --data.image_size 32"
        )
    return [2**i for i in range(2, shape[1].bit_length())]


def _fir_kernel(x: Tensor, gain: float) -> Tensor:
    """The separable [1, 3, 3, 1] filter, normalised to sum to ``gain``, as a depthwise kernel for x's channels."""
    f = x.new_tensor([1.0, 3.0, 3.0, 1.0])
    return (torch.outer(f, f) * (gain / 64)).expand(x.shape[1], 1, 4, 4)


def upsample2x(x: Tensor) -> Tensor:
    """StyleGAN2's 2× upsampling: zeros inserted, then the [1, 3, 3, 1] filter (gain 4), zero-padded borders. In the
    interior it equals bilinear interpolation."""
    return F.conv_transpose2d(x, _fir_kernel(x, 4), stride=2, padding=1, groups=x.shape[1])


def blur_upsampled(x: Tensor) -> Tensor:
    """The [1, 3, 3, 1] filter (gain 4) after a 3×3 transposed convolution of stride 2: (2n + 1)² → (2n)²."""
    return F.conv2d(x, _fir_kernel(x, 4), padding=1, groups=x.shape[1])


def downsample2x(x: Tensor) -> Tensor:
    """StyleGAN2's 2× downsampling: the [1, 3, 3, 1] filter then stride 2, zero-padded borders."""
    return F.conv2d(x, _fir_kernel(x, 1), stride=2, padding=1, groups=x.shape[1])


def channels_at(resolution: int, channel_base: int, channel_max: int) -> int:
    """StyleGAN2's width rule: ``min(channel_base / resolution, channel_max)``, at least 1."""
    return max(1, min(channel_base // resolution, channel_max))


def normalize_2nd_moment(x: Tensor, eps: float = 1e-8) -> Tensor:
    """Pixel norm of a vector: x / sqrt(mean(x²)), so ‖z‖ plays no role in the mapping."""
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


class MappingNetwork(nn.Module):
    """z → pixel norm → ``num_layers`` × (equalised FC + lrelu, lr × ``lr_mul``) → w.

    Keeps ``w_avg``, the running mean of w (updated in training mode with momentum ``w_avg_beta``), the centre of the
    truncation trick: w' = w_avg + ψ (w − w_avg).
    """

    def __init__(self, z_dim: int, w_dim: int, num_layers: int = 8, lr_mul: float = 0.01,
                 w_avg_beta: float = 0.995) -> None:  # fmt: skip
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"the mapping network needs at least one layer, got {num_layers}")
        widths = [z_dim] + [w_dim] * num_layers
        self.net = nn.Sequential(
            *(EqualizedLinear(a, b, lr_mul=lr_mul, activation=True) for a, b in zip(widths, widths[1:], strict=False))
        )
        self.w_avg_beta = w_avg_beta
        self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z: Tensor, truncation: float = 1.0) -> Tensor:
        w = self.net(normalize_2nd_moment(z))
        if self.training:
            with torch.no_grad():
                self.w_avg.copy_(w.detach().to(self.w_avg.dtype).mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        if truncation != 1:
            w = self.w_avg.lerp(w.to(self.w_avg.dtype), truncation).to(w.dtype)
        return w


class ModulatedConv2d(nn.Module):
    """StyleGAN2's modulated convolution: the kernel's input channels are scaled by a style s = A(w) and, with
    ``demodulate``, each output channel's kernel is renormalised to unit L2 norm (weight demodulation, section 2.2).

    ``forward`` computes the same as a grouped convolution with :meth:`modulated_weight` (one group per sample), but
    with the shared kernel, scaling activations instead (the paper's non-fused form), which is faster on CPUs.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, w_dim: int, demodulate: bool = True,
                 up: bool = False) -> None:  # fmt: skip
        super().__init__()
        self.affine = EqualizedLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)
        self.demodulate, self.up = demodulate, up

    def modulated_weight(self, w: Tensor) -> Tensor:
        """The per-sample kernels (N, out, in, k, k) for latents w (N, w_dim)."""
        weight = self.weight * self.weight_gain * self.affine(w)[:, None, :, None, None]
        if self.demodulate:
            weight = weight * (weight.square().sum(dim=(2, 3, 4), keepdim=True) + 1e-8).rsqrt()
        return weight

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        styles = self.affine(w)
        weight = self.weight * self.weight_gain
        x = x * styles[:, :, None, None]
        if self.up:
            # Transposed conv (stride 2) + [1, 3, 3, 1] blur, as StyleGAN2: in the interior the same as a bilinear
            # 2× upsampling followed by the convolution, at a quarter of the multiply-adds.
            x = blur_upsampled(F.conv_transpose2d(x, weight.flip(2, 3).transpose(0, 1), stride=2))
        else:
            x = F.conv2d(x, weight, padding=weight.shape[-1] // 2)
        if self.demodulate:
            # Σ_{i,k} (W_oik s_i)² = Σ_i s_i² Σ_k W_oik²: the demodulation coefficients without the (N, out, in, k, k)
            # tensor.
            coefs = (styles.square() @ weight.square().sum(dim=(2, 3)).T + 1e-8).rsqrt()
            x = x * coefs[:, :, None, None]
        return x


class SynthesisLayer(nn.Module):
    """Modulated 3×3 conv → + noise × learned strength → + bias → lrelu."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, up: bool = False) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, 3, w_dim, up=up)
        self.noise_strength = nn.Parameter(torch.zeros(()))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.register_buffer("noise_const", torch.randn(resolution, resolution))

    def forward(self, x: Tensor, w: Tensor, noise_mode: NoiseMode = "random") -> Tensor:
        x = self.conv(x, w)
        if noise_mode == "random":
            shape = (1, *x.shape[2:])  # under DDP each rank its share of one draw, not rank 0's noise again
            noise = draw_for_rank(lambda m: torch.randn(m, *shape, device=x.device, dtype=x.dtype), x.shape[0])
            x = x + noise * self.noise_strength
        elif noise_mode == "const":
            x = x + self.noise_const * self.noise_strength
        return lrelu(x + self.bias[:, None, None])


class ToRGB(nn.Module):
    """Modulated 1×1 conv to image channels, not demodulated, + bias, linear."""

    def __init__(self, in_channels: int, img_channels: int, w_dim: int) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, img_channels, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(img_channels))

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        return self.conv(x, w) + self.bias[:, None, None]


class SynthesisBlock(nn.Module):
    """One resolution: (learned constant | upsampling conv) → conv → toRGB added to the upsampled image so far.

    Uses ``num_ws`` latents: one per conv, and the toRGB shares the next block's first one (as in StyleGAN2).
    """

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, img_channels: int) -> None:
        super().__init__()
        self.is_first = resolution == 4
        if self.is_first:
            self.const = nn.Parameter(torch.randn(out_channels, 4, 4))
        else:
            self.conv0 = SynthesisLayer(in_channels, out_channels, w_dim, resolution, up=True)
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim, resolution)
        self.torgb = ToRGB(out_channels, img_channels, w_dim)
        self.num_convs = 1 if self.is_first else 2

    def forward(self, x: Tensor | None, img: Tensor | None, ws: Tensor, noise_mode: NoiseMode) -> tuple[Tensor, Tensor]:
        """``ws``: (N, num_convs + 1, w_dim), the convs' latents then the toRGB's."""
        x = self.const.expand(ws.shape[0], -1, -1, -1) if self.is_first else self.conv0(x, ws[:, 0], noise_mode)
        x = self.conv1(x, ws[:, self.num_convs - 1], noise_mode)
        y = self.torgb(x, ws[:, self.num_convs])
        return x, y if img is None else upsample2x(img) + y


class SynthesisNetwork(nn.Module):
    """ws (N, num_ws, w_dim) → images (N, C, H, W); ``num_ws = 2·log2(side) − 2``.

    Widths follow :func:`channels_at`. Its output is linear (no tanh), as in StyleGAN2; clamp for display.
    """

    def __init__(self, w_dim: int, img_shape: Sequence[int], channel_base: int = CHANNEL_BASE,
                 channel_max: int = CHANNEL_MAX) -> None:  # fmt: skip
        super().__init__()
        res = resolutions(img_shape, "the StyleGAN generator")
        self.w_dim = w_dim
        width = [channels_at(r, channel_base, channel_max) for r in res]
        self.blocks = nn.ModuleList(
            SynthesisBlock(width[max(i - 1, 0)], width[i], w_dim, r, img_shape[0]) for i, r in enumerate(res)
        )
        self.num_ws = sum(b.num_convs for b in self.blocks) + 1

    def ws_index(self, resolution: int) -> int:
        """Index of the first latent that acts at ``resolution`` (4 → 0, 8 → 1, 16 → 3, …)."""
        return max(0, 2 * int(math.log2(resolution)) - 5)

    def forward(self, ws: Tensor, noise_mode: NoiseMode = "random") -> Tensor:
        x = img = None
        i = 0
        for block in self.blocks:
            x, img = block(x, img, ws[:, i : i + block.num_convs + 1], noise_mode)
            i += block.num_convs
        return img


class StyleGANGenerator(nn.Module):
    """Mapping network + synthesis network: z (N, z_dim) → images, every layer styled by the same w.

    Args:
        z_dim: latent size.
        img_shape: (C, H, W) of the images, square, side 2^k ≥ 8.
        w_dim: size of the intermediate latent w.
        mapping_layers: depth of the mapping network.
        mapping_lr_mul: learning-rate multiplier of the mapping network.
        channel_base: width rule numerator (see :func:`channels_at`).
        channel_max: widest layer.
        w_avg_beta: momentum of the tracked mean w.
    """

    def __init__(self, z_dim: int, img_shape: Sequence[int], w_dim: int = 128, mapping_layers: int = 4,
                 mapping_lr_mul: float = 0.01, channel_base: int = CHANNEL_BASE, channel_max: int = CHANNEL_MAX,
                 w_avg_beta: float = 0.995) -> None:  # fmt: skip
        super().__init__()
        self.synthesis = SynthesisNetwork(w_dim, img_shape, channel_base, channel_max)
        self.mapping = MappingNetwork(z_dim, w_dim, mapping_layers, mapping_lr_mul, w_avg_beta)
        self.num_ws = self.synthesis.num_ws

    def styles(self, z: Tensor, truncation: float = 1.0) -> Tensor:
        """z → the per-layer latents ws (N, num_ws, w_dim), all equal to the (truncated) w of z."""
        return self.mapping(z, truncation).unsqueeze(1).repeat(1, self.num_ws, 1)

    def forward(self, z: Tensor, truncation: float = 1.0, noise_mode: NoiseMode = "random") -> Tensor:
        return self.synthesis(self.styles(z, truncation), noise_mode)


#: ``resnet``: residual blocks (StyleGAN2 config e/f); ``orig``: plain conv → downsample → conv blocks (the official
#: code's choice for CIFAR-10 at 32×32).
DiscriminatorArchitecture = Literal["resnet", "orig"]


class DiscriminatorBlock(nn.Module):
    """3×3 conv → downsample → 3×3 conv; with ``residual``, plus (downsample → 1×1 conv), the sum scaled by 1/√2."""

    def __init__(self, in_channels: int, out_channels: int, residual: bool = True) -> None:
        super().__init__()
        self.conv0 = EqualizedConv2d(in_channels, in_channels, 3, activation=True)
        self.conv1 = EqualizedConv2d(in_channels, out_channels, 3, activation=True)
        self.skip = EqualizedConv2d(in_channels, out_channels, 1, bias=False) if residual else None

    def forward(self, x: Tensor) -> Tensor:
        y = self.conv1(downsample2x(self.conv0(x)))
        return y if self.skip is None else (self.skip(downsample2x(x)) + y) * math.sqrt(0.5)


class StyleGANDiscriminator(nn.Module):
    """fromRGB → blocks down to 4×4 (``body``) → minibatch stddev → 3×3 conv → FC → FC to one logit (``head``).

    Args:
        img_shape: (C, H, W), square, side 2^k ≥ 8.
        channel_base: width rule numerator (see :func:`channels_at`).
        channel_max: widest layer.
        mbstd_group_size: samples per group of the minibatch standard-deviation layer.
        architecture: residual or plain blocks (see :data:`DiscriminatorArchitecture`).
    """

    def __init__(self, img_shape: Sequence[int], channel_base: int = CHANNEL_BASE, channel_max: int = CHANNEL_MAX,
                 mbstd_group_size: int = 4, architecture: DiscriminatorArchitecture = "resnet") -> None:  # fmt: skip
        super().__init__()
        if architecture not in (names := get_args(DiscriminatorArchitecture)):
            raise ValueError(f"architecture must be {' or '.join(map(repr, names))}, got {architecture!r}")
        res = resolutions(img_shape, "the StyleGAN discriminator")[::-1]  # side, …, 8, 4
        width = [channels_at(r, channel_base, channel_max) for r in res]
        residual = architecture == "resnet"
        self.body = nn.Sequential(
            EqualizedConv2d(img_shape[0], width[0], 1, activation=True),
            *(DiscriminatorBlock(width[i], width[i + 1], residual) for i in range(len(res) - 1)),
        )
        ch = width[-1]
        mbstd = MinibatchStdDev(ch, mbstd_group_size)
        self.head = nn.Sequential(
            mbstd,
            EqualizedConv2d(mbstd.out_features, ch, 3, activation=True),
            nn.Flatten(),
            EqualizedLinear(ch * 16, ch, activation=True),
            EqualizedLinear(ch, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x)).view(-1)
