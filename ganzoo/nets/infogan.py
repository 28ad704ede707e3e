"""The InfoGAN-style networks (Chen et al. 2016) that Lucic et al. (2018) used for every model on MNIST and
Fashion-MNIST, for images whose side is a multiple of 4 (28×28 in that study).

G: z → FC 1024 → FC 128·(H/4)·(W/4) → ConvT 64 (4×4, stride 2) → ConvT C (4×4, stride 2) → tanh, with norm and
LeakyReLU(0.2) after every hidden layer. D: Conv 64 (4×4, stride 2) → Conv 128 (4×4, stride 2) → FC 1024 (``body``),
with LeakyReLU(0.2) after each and norm after the last two, then a linear logit (``head``). Lucic et al.'s generator
ends in a sigmoid for data in [0, 1]; ganzoo's images live in [−1, 1], so it ends in tanh (the same function up to an
affine map of the output).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from ganzoo.errors import UserError
from ganzoo.nets.layers import Norm, dcgan_init, make_norm


def check_infogan_shape(shape: Sequence[int]) -> None:
    """Refuses, in one line, shapes the two stride-2 layers cannot produce exactly."""
    if len(shape) != 3 or shape[1] % 4 or shape[2] % 4:
        raise UserError(
            f"the infogan backbone takes images whose height and width are multiples of 4 (28×28 in Lucic et al. "
            f"2018), got shape {tuple(shape)}; set --data.image_size 28 (or 32)"
        )


def _leaky() -> nn.Module:
    return nn.LeakyReLU(0.2, inplace=True)


class InfoGANGenerator(nn.Module):
    """z → FC 1024 → FC 128·(H/4)·(W/4) → ConvT 64 → ConvT C → tanh; ``norm`` after each hidden layer."""

    def __init__(self, latent_dim: int, out_shape: Sequence[int], norm: Norm = "batch") -> None:
        super().__init__()
        check_infogan_shape(out_shape)
        channels, height, width = out_shape
        bias = norm != "batch"  # a bias before a batch norm is cancelled by its mean subtraction
        layers: list[nn.Module] = [
            nn.Linear(latent_dim, 1024, bias=bias),
            make_norm(norm, 1024, spatial=False),
            _leaky(),
            nn.Linear(1024, 128 * (height // 4) * (width // 4), bias=bias),
            make_norm(norm, 128 * (height // 4) * (width // 4), spatial=False),
            _leaky(),
            nn.Unflatten(1, (128, height // 4, width // 4)),
            nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=bias),
            make_norm(norm, 64, spatial=True),
            _leaky(),
            nn.ConvTranspose2d(64, channels, 4, 2, 1),
            nn.Tanh(),
        ]
        self.net = nn.Sequential(*(m for m in layers if not isinstance(m, nn.Identity)))
        dcgan_init(self)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class InfoGANDiscriminator(nn.Module):
    """Conv 64 → Conv 128 → FC 1024 (``body``; ``norm`` after the last two) → linear logit (``head``)."""

    def __init__(self, in_shape: Sequence[int], norm: Norm = "batch") -> None:
        super().__init__()
        check_infogan_shape(in_shape)
        channels, height, width = in_shape
        bias = norm != "batch"
        layers: list[nn.Module] = [
            nn.Conv2d(channels, 64, 4, 2, 1),
            _leaky(),
            nn.Conv2d(64, 128, 4, 2, 1, bias=bias),
            make_norm(norm, 128, spatial=True),
            _leaky(),
            nn.Flatten(),
            nn.Linear(128 * (height // 4) * (width // 4), 1024, bias=bias),
            make_norm(norm, 1024, spatial=False),
            _leaky(),
        ]
        self.body = nn.Sequential(*(m for m in layers if not isinstance(m, nn.Identity)))
        self.out_features = 1024
        self.head = nn.Linear(1024, 1)
        dcgan_init(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x)).squeeze(1)
