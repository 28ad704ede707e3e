"""The original GAN (Goodfellow et al. 2014) with fully connected networks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from torch import nn

from ganzoo.models.base import GAN
from ganzoo.nets import Activation, MLPDiscriminator, MLPGenerator, Norm
from ganzoo.registry import register_model


@register_model("vanilla_gan", "Goodfellow et al. 2014: MLP G and D; --model.loss minimax|non_saturating")
class VanillaGAN(GAN):
    """MLP generator and discriminator; works on images and on flat data such as the 2D toys.

    Choose the generator's objective with ``loss``: ``minimax`` (the paper's saturating log(1 − D(G(z)))) or
    ``non_saturating`` (maximise log D(G(z)), the paper's practical recommendation; the default).

    Args:
        g_hidden: widths of the generator's hidden layers.
        d_hidden: widths of the discriminator's hidden layers.
        activation: hidden activation of both networks.
        g_norm: normalisation in the generator's hidden layers ("batch" is the notes' BatchNorm switch).
        d_norm: normalisation in the discriminator's hidden layers.
        **kwargs: see :class:`~ganzoo.models.base.GAN`.
    """

    accepts_flat_data: ClassVar[bool] = True

    def __init__(
        self,
        g_hidden: Sequence[int] = (256, 512, 1024),
        d_hidden: Sequence[int] = (512, 256),
        activation: Activation = "leaky_relu",
        g_norm: Norm = "none",
        d_norm: Norm = "none",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)

    def build_generator(self) -> nn.Module:
        hp = self.hparams
        # Images live in [−1, 1] (tanh output); flat toy data is unbounded (linear output).
        return MLPGenerator(
            self.latent_dim,
            self.data_shape,
            hp.g_hidden,
            hp.activation,
            hp.g_norm,
            tanh_output=len(self.data_shape) == 3,
        )

    def build_discriminator(self) -> nn.Module:
        hp = self.hparams
        return MLPDiscriminator(self.data_shape, hp.d_hidden, hp.activation, hp.d_norm)
