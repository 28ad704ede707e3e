"""The small networks of Metz et al.'s (2017) Stacked MNIST experiment, "D a quarter of G", as PacGAN's code of that
experiment builds them (``stacked_MNIST_experiments/unrolled_GAN_experiment/D=0.25G/model.py``, Lin et al. 2018).

G: z → FC 64·(H/8)·(W/8) → norm, ReLU → ConvT 32 → ConvT 16 → ConvT 8 (3×3, stride 2, each with norm and ReLU)
→ Conv C (3×3, stride 1) → tanh. D: Conv 2 → Conv 4 → Conv 8 (3×3, stride 2, each with norm and LeakyReLU(0.3),
the input layer included) → flatten (``body``) → linear logit (``head``). Sides are halved with rounding up
(28 → 14 → 7 → 4), as TensorFlow's ``SAME`` padding does. The widths are fixed: they are what makes the setting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import Tensor, nn

from ganzoo.errors import UserError
from ganzoo.nets.layers import Norm, dcgan_init, make_norm

#: Channels of the generator's hidden layers and of the discriminator's convolutions.
GENERATOR_WIDTHS = (64, 32, 16, 8)
DISCRIMINATOR_WIDTHS = (2, 4, 8)


def check_metz_shape(shape: Sequence[int]) -> None:
    """Refuses, in one line, what the three stride-2 layers cannot take."""
    if len(shape) != 3 or min(shape[1:]) < 8:
        raise UserError(f"the metz backbone takes images of side 8 or more (28×28 in Metz et al.), got shape "
                        f"{tuple(shape)}; set --data.image_size 28")  # fmt: skip


def _sides(side: int) -> list[int]:
    """The side at each of the three stride-2 layers' input, smallest first: 28 → [4, 7, 14, 28]."""
    sides = [side]
    for _ in range(3):
        sides.insert(0, math.ceil(sides[0] / 2))
    return sides


class MetzGenerator(nn.Module):
    """z → FC 64·h·w → ConvT 32 → ConvT 16 → ConvT 8 → Conv C → tanh; ``norm`` and ReLU after each hidden layer."""

    def __init__(self, latent_dim: int, out_shape: Sequence[int], norm: Norm = "batch") -> None:
        super().__init__()
        check_metz_shape(out_shape)
        heights, widths = _sides(out_shape[1]), _sides(out_shape[2])
        bias = norm != "batch"  # a bias before a batch norm is cancelled by its mean subtraction
        first = GENERATOR_WIDTHS[0]
        layers: list[nn.Module] = [
            nn.Linear(latent_dim, first * heights[0] * widths[0], bias=bias),
            nn.Unflatten(1, (first, heights[0], widths[0])),
            make_norm(norm, first, spatial=True),
            nn.ReLU(True),
        ]
        for i, (c_in, c_out) in enumerate(zip(GENERATOR_WIDTHS, GENERATOR_WIDTHS[1:], strict=False)):
            # A 3×3 stride-2 transposed conv with padding 1 gives 2s − 1; output_padding adds the row SAME adds.
            extra = (heights[i + 1] - (2 * heights[i] - 1), widths[i + 1] - (2 * widths[i] - 1))
            layers += [
                nn.ConvTranspose2d(c_in, c_out, 3, 2, 1, output_padding=extra, bias=bias),
                make_norm(norm, c_out, spatial=True),
                nn.ReLU(True),
            ]
        layers += [nn.Conv2d(GENERATOR_WIDTHS[-1], out_shape[0], 3, 1, 1), nn.Tanh()]
        self.net = nn.Sequential(*(m for m in layers if not isinstance(m, nn.Identity)))
        dcgan_init(self)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class MetzDiscriminator(nn.Module):
    """Conv 2 → Conv 4 → Conv 8 (3×3, stride 2, ``norm`` and LeakyReLU(0.3) each; ``body``) → linear logit (``head``).
    """

    def __init__(self, in_shape: Sequence[int], norm: Norm = "batch") -> None:
        super().__init__()
        check_metz_shape(in_shape)
        bias = norm != "batch"
        layers: list[nn.Module] = []
        c_in = in_shape[0]
        for c_out in DISCRIMINATOR_WIDTHS:
            layers += [nn.Conv2d(c_in, c_out, 3, 2, 1, bias=bias), make_norm(norm, c_out, spatial=True),
                       nn.LeakyReLU(0.3, True)]  # fmt: skip
            c_in = c_out
        layers.append(nn.Flatten())
        self.body = nn.Sequential(*(m for m in layers if not isinstance(m, nn.Identity)))
        self.out_features = c_in * _sides(in_shape[1])[0] * _sides(in_shape[2])[0]
        self.head = nn.Linear(self.out_features, 1)
        dcgan_init(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x)).squeeze(1)
