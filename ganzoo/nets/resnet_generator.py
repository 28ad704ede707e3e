"""CycleGAN's image-to-image generator (Johnson et al. 2016, as used by Zhu et al. 2017)."""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.nets.layers import dcgan_init


def default_res_blocks(side: int) -> int:
    """The paper's 9 residual blocks at 256 px and 6 at 128 px; 3 below (digits at 32 px)."""
    return 9 if side >= 256 else 6 if side >= 128 else 3


class ResidualBlock(nn.Module):
    """x + (reflection pad, conv 3×3, instance norm, ReLU, reflection pad, conv 3×3, instance norm)(x)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """c7s1-k, d2k, d4k, R4k × ``n_blocks``, u2k, uk, c7s1-C, tanh (the paper's appendix notation, k = ``channels``).

    Instance norm (no affine, no running statistics) after every conv but the last, reflection padding, N(0, 0.02)
    initialisation. Maps [−1, 1] images of side divisible by 4 to images of the same shape.
    """

    def __init__(self, in_channels: int, out_channels: int, channels: int = 64, n_blocks: int = 9) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3), nn.Conv2d(in_channels, channels, 7), nn.InstanceNorm2d(channels), nn.ReLU(True),
        ]  # fmt: skip
        ch = channels
        for _ in range(2):
            layers += [nn.Conv2d(ch, 2 * ch, 3, 2, 1), nn.InstanceNorm2d(2 * ch), nn.ReLU(True)]
            ch *= 2
        layers += [ResidualBlock(ch) for _ in range(n_blocks)]
        for _ in range(2):
            layers += [
                nn.ConvTranspose2d(ch, ch // 2, 3, 2, 1, output_padding=1),
                nn.InstanceNorm2d(ch // 2),
                nn.ReLU(True),
            ]
            ch //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ch, out_channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        dcgan_init(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)
