"""The original GAN (Goodfellow et al. 2014): fully connected networks by default, or any backbone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from torch import nn

from ganzoo.models.base import GAN
from ganzoo.nets import Activation, Norm
from ganzoo.nets.backbones import Backbone, backbone_discriminator, backbone_generator, resolve_backbone, resolve_norm
from ganzoo.registry import register_model


@register_model("vanilla_gan", "Goodfellow et al. 2014: MLP G and D; --model.loss minimax|non_saturating")
class VanillaGAN(GAN):
    """MLP generator and discriminator by default; works on images and on flat data such as the 2D toys.

    Choose the generator's objective with ``loss``: ``minimax`` (the paper's saturating log(1 − D(G(z)))) or
    ``non_saturating`` (maximise log D(G(z)), the paper's practical recommendation; the default); ``least_squares``
    makes it LSGAN. ``backbone`` swaps the MLPs for convolutional networks: ``infogan`` is the architecture of Lucic et
    al.'s (2018) comparison (``configs/lucic2018/``), ``dcgan`` Radford et al.'s.

    Args:
        g_hidden: widths of the generator's hidden layers (MLP).
        d_hidden: widths of the discriminator's hidden layers (MLP).
        activation: hidden activation of both MLPs.
        g_norm: normalisation in the generator's hidden layers ("batch" is the notes' BatchNorm switch); None: the
            backbone's own (none for the MLP, BatchNorm for the convolutional backbones).
        d_norm: normalisation in the discriminator's hidden layers; None: the backbone's own.
        backbone: ``mlp`` (images or flat data), ``infogan`` (sides multiple of 4), ``dcgan`` (square images of side
            2^k), ``metz`` (Metz et al.'s small Stacked MNIST networks, D a quarter of G) or ``auto`` (``dcgan`` for
            images, ``mlp`` for flat data).
        base_channels: DCGAN width (of both players unless ``d_base_channels`` is given).
        d_base_channels: the discriminator's DCGAN width, e.g. ¼ of the generator's for Metz et al.'s small-D
            setting, in which a plain GAN collapses and unrolling helps; None: ``base_channels``.
        **kwargs: see :class:`~ganzoo.models.base.GAN`.
    """

    accepts_flat_data: ClassVar[bool] = True

    def __init__(
        self,
        g_hidden: Sequence[int] = (256, 512, 1024),
        d_hidden: Sequence[int] = (512, 256),
        activation: Activation = "leaky_relu",
        g_norm: Norm | None = None,
        d_norm: Norm | None = None,
        backbone: Backbone = "mlp",
        base_channels: int = 64,
        d_base_channels: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)

    @property
    def backbone(self) -> str:
        """The backbone in use (``auto`` resolved against the data's shape)."""
        return resolve_backbone(self.hparams.backbone, self.data_shape)

    @property
    def d_base_channels(self) -> int:
        """The discriminator's DCGAN width."""
        return self.hparams.d_base_channels or self.hparams.base_channels

    @property
    def discriminator_input_shape(self) -> tuple[int, ...]:
        """The shape of what D reads: one sample (PacGAN's D reads packs)."""
        return self.data_shape

    def build_generator(self) -> nn.Module:
        hp = self.hparams
        # An MLP ends in tanh for images in [−1, 1] and is linear for unbounded flat data.
        return backbone_generator(self.backbone, self.latent_dim, self.data_shape, base_channels=hp.base_channels,
                                  hidden=hp.g_hidden, activation=hp.activation,
                                  norm=resolve_norm(hp.g_norm, self.backbone, "g"))  # fmt: skip

    def build_discriminator(self) -> nn.Module:
        hp = self.hparams
        return backbone_discriminator(self.backbone, self.discriminator_input_shape, base_channels=self.d_base_channels,
                                      hidden=hp.d_hidden, activation=hp.activation,
                                      norm=resolve_norm(hp.d_norm, self.backbone, "d"))  # fmt: skip
