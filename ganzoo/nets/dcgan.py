"""DCGAN networks (Radford et al. 2015) for square images of side 2^k ≥ 16, any channel count."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from ganzoo.errors import UserError
from ganzoo.nets.layers import Norm, dcgan_init, make_norm


def _num_upsamplings(shape: Sequence[int], who: str) -> int:
    if len(shape) != 3 or shape[1] != shape[2] or shape[1] < 16 or shape[1] & (shape[1] - 1):
        raise UserError(
            f"{who} takes square images of side 16, 32, 64, 128…, got shape {tuple(shape)}; "
            "set --data.image_size 32 (or 64)"
        )
    return shape[1].bit_length() - 3  # 4×4 → side: log2(side) − 2 doublings


class DCGANGenerator(nn.Module):
    """z → 4×4 transposed conv → (ConvT 4/2 + norm + ReLU) × k → ConvT to C channels → tanh."""

    def __init__(self, latent_dim: int, out_shape: Sequence[int], base_channels: int = 64, norm: Norm = "batch"):
        super().__init__()
        n = _num_upsamplings(out_shape, "the DCGAN generator")
        ch = base_channels * 2 ** (n - 1)
        layers: list[nn.Module] = [
            nn.Unflatten(1, (latent_dim, 1, 1)),
            nn.ConvTranspose2d(latent_dim, ch, 4, 1, 0, bias=norm != "batch"),
            make_norm(norm, ch, spatial=True),
            nn.ReLU(True),
        ]
        for _ in range(n - 1):
            layers += [
                nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=norm != "batch"),
                make_norm(norm, ch // 2, spatial=True),
                nn.ReLU(True),
            ]
            ch //= 2
        # No normalisation on the output layer (Radford et al., section 3).
        layers += [nn.ConvTranspose2d(ch, out_shape[0], 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*(m for m in layers if not isinstance(m, nn.Identity)))
        dcgan_init(self)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class DCGANDiscriminator(nn.Module):
    """Strided convs with LeakyReLU(0.2) down to 4×4 (``body``), then a linear logit (``head``).

    The head is a 4×4 valid convolution written as a linear layer over the flattened 4×4 map (the same function).
    """

    def __init__(self, in_shape: Sequence[int], base_channels: int = 64, norm: Norm = "batch"):
        super().__init__()
        n = _num_upsamplings(in_shape, "the DCGAN discriminator")
        ch = base_channels
        # No normalisation on the input layer (Radford et al., section 3).
        layers: list[nn.Module] = [nn.Conv2d(in_shape[0], ch, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        for _ in range(n - 1):
            layers += [
                nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=norm != "batch"),
                make_norm(norm, ch * 2, spatial=True),
                nn.LeakyReLU(0.2, True),
            ]
            ch *= 2
        layers.append(nn.Flatten())
        self.body = nn.Sequential(*(m for m in layers if not isinstance(m, nn.Identity)))
        self.out_features = ch * 16
        self.head = nn.Linear(self.out_features, 1)
        dcgan_init(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x)).squeeze(1)
