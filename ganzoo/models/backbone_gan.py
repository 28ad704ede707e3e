"""Variants whose networks are a choice of backbone, DCGAN or MLP."""

from __future__ import annotations

from torch import nn

from ganzoo.models.base import GAN
from ganzoo.nets.backbones import backbone_discriminator, backbone_generator


class BackboneGAN(GAN):
    """Builds both networks with :mod:`ganzoo.nets.backbones` from the hyperparameters ``backbone``,
    ``base_channels``, ``hidden``, ``activation``, ``g_norm`` and ``d_norm``. Each subclass declares them in its own
    signature, with its paper's defaults: LightningCLI reads a model's defaults from its signature."""

    def build_generator(self) -> nn.Module:
        hp = self.hparams
        return backbone_generator(hp.backbone, self.latent_dim, self.data_shape, base_channels=hp.base_channels,
                                  hidden=hp.hidden, activation=hp.activation, norm=hp.g_norm)  # fmt: skip

    def build_discriminator(self) -> nn.Module:
        hp = self.hparams
        return backbone_discriminator(hp.backbone, self.data_shape, base_channels=hp.base_channels,
                                      hidden=hp.hidden, activation=hp.activation, norm=hp.d_norm)  # fmt: skip
