"""PatchGAN discriminator (Isola et al. 2017; CycleGAN's 70×70 discriminator)."""

from __future__ import annotations

from torch import Tensor, nn

from ganzoo.nets.layers import dcgan_init


def default_patch_layers(side: int) -> int:
    """3 strided layers (70×70 patches) from 128 px up, as in the paper; below, patches of about half the image side:
    2 layers (34×34) from 64 px, 1 (16×16) for smaller images, so that D judges local texture as the paper's does.
    Where translation must change shapes or scale, whole-image patches can do better: on MNIST ↔ USPS at 32 px they
    did (``configs/cyclegan_mnist_usps.yaml`` sets 2 and records the measurement)."""
    return 3 if side >= 128 else 2 if side >= 64 else 1


def receptive_field(n_layers: int) -> int:
    """Side of the input patch each output logit sees: 70 for 3 layers, 34 for 2, 16 for 1."""
    side = 1
    for stride in reversed([2] * n_layers + [1, 1]):  # every conv is 4×4
        side = side * stride + 4 - stride
    return side


class PatchDiscriminator(nn.Module):
    """C64-C128-C256-C512 for ``n_layers`` = 3 (4×4 convs, stride 2 but the last, LeakyReLU 0.2, instance norm except
    on the first layer), then a 4×4 conv to one channel: a map of logits, one per overlapping image patch of side
    :func:`receptive_field`. Losses average over the map, so each patch is judged real or fake.
    """

    def __init__(self, in_channels: int, channels: int = 64, n_layers: int = 3) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(in_channels, channels, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        ch = channels
        for i in range(1, n_layers + 1):
            out = channels * min(2**i, 8)
            stride = 2 if i < n_layers else 1
            layers += [nn.Conv2d(ch, out, 4, stride, 1), nn.InstanceNorm2d(out), nn.LeakyReLU(0.2, True)]
            ch = out
        layers.append(nn.Conv2d(ch, 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)
        dcgan_init(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)
