"""Variants whose networks are a choice of backbone, DCGAN or MLP."""

from __future__ import annotations

from typing import ClassVar

from torch import nn

from ganzoo.models.base import GAN
from ganzoo.nets.backbones import backbone_discriminator, backbone_generator, resolve_backbone, resolve_norm


class BackboneGAN(GAN):
    """Builds both networks with :mod:`ganzoo.nets.backbones` from the hyperparameters ``backbone``,
    ``base_channels``, ``hidden``, ``activation``, ``g_norm`` and ``d_norm``. Each subclass declares them in its own
    signature, with its paper's defaults: LightningCLI reads a model's defaults from its signature. ``auto`` picks
    ``dcgan`` for images and ``mlp`` for flat data, and a norm left at None is the backbone's own (BatchNorm in both
    DCGAN players, none in the MLPs)."""

    accepts_flat_data: ClassVar[bool] = True

    @property
    def backbone(self) -> str:
        """The backbone in use: ``dcgan`` or ``mlp`` (``auto`` resolved against the data's shape)."""
        return resolve_backbone(self.hparams.backbone, self.data_shape)

    def build_generator(self) -> nn.Module:
        hp = self.hparams
        return backbone_generator(self.backbone, self.latent_dim, self.data_shape, base_channels=hp.base_channels,
                                  hidden=hp.hidden, activation=hp.activation,
                                  norm=resolve_norm(hp.g_norm, self.backbone, "g"))  # fmt: skip

    def build_discriminator(self) -> nn.Module:
        hp = self.hparams
        return backbone_discriminator(self.backbone, self.data_shape, base_channels=hp.base_channels,
                                      hidden=hp.hidden, activation=hp.activation,
                                      norm=resolve_norm(hp.d_norm, self.backbone, "d"))  # fmt: skip
