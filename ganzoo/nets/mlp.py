"""Fully connected generator and discriminator, for flat data (2D toys) and small images alike."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Literal

from torch import Tensor, nn

from ganzoo.errors import UserError
from ganzoo.nets.layers import Norm, make_norm

Activation = Literal["relu", "leaky_relu", "tanh"]
_ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "tanh": nn.Tanh}


#: Above this many weights an MLP is refused before it is allocated: one over 3×256×256 images with 1,024 units
#: has 200 M per layer, tens of GB of memory with Adam, and learns nothing a convolutional model would not.
MAX_MLP_WEIGHTS = 50_000_000


class MLP(nn.Sequential):
    """Linear → norm → activation for each hidden width; no activation after the output layer."""

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int],
        out_features: int | None,
        activation: Activation = "leaky_relu",
        norm: Norm = "none",
    ) -> None:
        widths = [in_features, *hidden, *([out_features] if out_features is not None else [])]
        weights = sum(a * b for a, b in itertools.pairwise(widths))
        if weights > MAX_MLP_WEIGHTS:
            raise UserError(
                f"this MLP would have {weights / 1e6:.0f} M weights ({4 * weights / 2**30:.1f} GiB in float32, about "
                f"4× that while training with Adam) for {in_features if out_features is None else out_features} "
                "values per sample; lower --data.image_size or use a convolutional model (dcgan, wgan_gp)"
            )
        layers: list[nn.Module] = []
        width = in_features
        for h in hidden:
            # A bias before a batch norm is cancelled by the mean subtraction.
            layers += [nn.Linear(width, h, bias=norm != "batch"), make_norm(norm, h, spatial=False)]
            layers.append(_ACTIVATIONS[activation]())
            width = h
        if out_features is not None:
            layers.append(nn.Linear(width, out_features))
            width = out_features
        super().__init__(*(m for m in layers if not isinstance(m, nn.Identity)))
        self.out_features = width


class MLPGenerator(nn.Module):
    """z → MLP → a sample of ``out_shape``; a tanh output for images in [−1, 1], linear for unbounded data."""

    def __init__(
        self,
        latent_dim: int,
        out_shape: Sequence[int],
        hidden: Sequence[int] = (256, 512, 1024),
        activation: Activation = "leaky_relu",
        norm: Norm = "none",
        tanh_output: bool = True,
    ) -> None:
        super().__init__()
        self.out_shape = tuple(out_shape)
        self.net = MLP(latent_dim, hidden, math.prod(self.out_shape), activation, norm)
        self.out = nn.Tanh() if tanh_output else nn.Identity()

    def forward(self, z: Tensor) -> Tensor:
        return self.out(self.net(z)).view(-1, *self.out_shape)


class MLPDiscriminator(nn.Module):
    """A sample → MLP features (``body``) → one logit (``head``)."""

    def __init__(
        self,
        in_shape: Sequence[int],
        hidden: Sequence[int] = (512, 256),
        activation: Activation = "leaky_relu",
        norm: Norm = "none",
    ) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), MLP(math.prod(in_shape), hidden, None, activation, norm))
        self.out_features = hidden[-1] if hidden else math.prod(in_shape)
        self.head = nn.Linear(self.out_features, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x)).squeeze(1)
