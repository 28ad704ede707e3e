"""PacGAN (Lin et al., NeurIPS 2018): the discriminator judges packs of samples."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from torch import Tensor

from ganzoo.errors import UserError
from ganzoo.models.vanilla_gan import VanillaGAN
from ganzoo.nets.backbones import Backbone
from ganzoo.registry import register_model


@register_model("pacgan", "Lin et al. 2018: D judges packs of m samples (--model.pack 2), any backbone")
class PacGAN(VanillaGAN):
    """D sees ``pack`` samples at once, all real or all generated, concatenated along the channels (images) or the
    features (flat data), and gives one score per pack. A generator that repeats a few modes makes packs whose members
    look alike, which a packed D learns to spot: the paper shows that packing penalises mode collapse more strongly
    the larger the pack. The networks are the backbone's with an m-times wider input layer; nothing else changes.

    Args:
        pack: m, samples per pack (the paper uses 2–4; 1 is the plain GAN). The batch size must be a multiple of it.
        backbone: ``auto`` (the default: DCGAN for images, MLP for flat data), ``dcgan``, ``infogan``, ``metz`` or
            ``mlp``.
        **kwargs: see :class:`~ganzoo.models.VanillaGAN` and :class:`~ganzoo.models.base.GAN`.
    """

    per_sample_discriminator: ClassVar[bool] = False

    def __init__(self, pack: int = 2, backbone: Backbone = "auto", **kwargs: Any) -> None:
        self.pack = pack
        super().__init__(backbone=backbone, **kwargs)

    @property
    def discriminator_input_shape(self) -> tuple[int, ...]:
        """A pack: ``pack`` samples stacked along the first (channel or feature) dimension."""
        first, *rest = self.data_shape
        return (first * self.pack, *rest)

    def discriminate(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        """One score per pack of ``pack`` consecutive samples (a last, incomplete pack is left out)."""
        whole = x.shape[0] - x.shape[0] % self.pack
        first, *rest = x.shape[1:]
        return self.discriminator(x[:whole].reshape(whole // self.pack, first * self.pack, *rest))

    def check_datamodule(self, datamodule: Any) -> None:
        super().check_datamodule(datamodule)
        if datamodule.batch_size % self.pack:
            multiple = math.ceil(datamodule.batch_size / self.pack) * self.pack
            raise UserError(f"pacgan packs {self.pack} samples per discriminator input, so --data.batch_size must be a "
                            f"multiple of {self.pack}, got {datamodule.batch_size}; use {multiple}")  # fmt: skip
