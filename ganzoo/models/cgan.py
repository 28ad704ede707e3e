"""Conditional GAN (Mirza & Osindero 2014), with the projection discriminator (Miyato & Koyama 2018) as an option."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.errors import UserError
from ganzoo.models.backbone_gan import BackboneGAN
from ganzoo.nets import Norm
from ganzoo.nets.backbones import Backbone, backbone_discriminator, backbone_generator, resolve_norm
from ganzoo.registry import register_model


@register_model("cgan", "Mirza & Osindero 2014: label into G and D (concat or --model.projection)")
class CGAN(BackboneGAN):
    """The class label goes into both players. G sees z concatenated with a learned label embedding. D sees the label
    either concatenated (one-hot planes beside the image channels, or beside the flat input for the MLP) or, with
    ``projection=True``, as an inner product between a label embedding and its features, added to its logit.

    Needs labelled data: ``num_classes`` is linked from the datamodule.

    Args:
        num_classes: number of classes to condition on (the datamodule's).
        backbone: ``dcgan`` (square images), ``mlp``, or ``auto`` (``dcgan`` for images, ``mlp`` for flat data).
        base_channels: DCGAN width.
        hidden: MLP hidden widths.
        embed_dim: size of G's label embedding.
        projection: projection discriminator instead of concatenation.
        g_norm: the generator's normalisation (None: the backbone's, BatchNorm for DCGAN, none for the MLP).
        d_norm: the discriminator's normalisation (None: the backbone's).
        **kwargs: see :class:`~ganzoo.models.base.GAN`.
    """

    def __init__(
        self,
        num_classes: int = 0,
        backbone: Backbone = "auto",
        base_channels: int = 64,
        hidden: tuple[int, ...] = (256, 512),
        embed_dim: int = 50,
        projection: bool = False,
        g_norm: Norm | None = None,
        d_norm: Norm | None = None,
        **kwargs: Any,
    ) -> None:
        if num_classes < 1:
            raise UserError(
                "cgan needs labelled data: use digits, mnist, fashion_mnist, cifar10, ring, grid, or image_folder "
                "with --data.labels true"
            )
        self.num_classes = num_classes
        super().__init__(**kwargs)

    def build_generator(self) -> nn.Module:
        hp = self.hparams
        z_dim = self.latent_dim + hp.embed_dim
        net = backbone_generator(self.backbone, z_dim, self.data_shape, base_channels=hp.base_channels,
                                 hidden=hp.hidden, activation="leaky_relu",
                                 norm=resolve_norm(hp.g_norm, self.backbone, "g"))  # fmt: skip
        return nn.ModuleDict({"net": net, "embed": nn.Embedding(self.num_classes, hp.embed_dim)})

    def build_discriminator(self) -> nn.Module:
        hp = self.hparams
        shape = list(self.data_shape)
        if not hp.projection:  # the label enters as extra input features
            shape[0] += self.num_classes
        norm = resolve_norm(hp.d_norm, self.backbone, "d")
        net = backbone_discriminator(self.backbone, shape, base_channels=hp.base_channels, hidden=hp.hidden,
                                     activation="leaky_relu", norm=norm)  # fmt: skip
        layers = {"net": net}
        if hp.projection:
            layers["embed"] = nn.Embedding(self.num_classes, net.out_features)
        return nn.ModuleDict(layers)

    def generate(self, z: Tensor, labels: Tensor | None = None, generator: nn.Module | None = None) -> Tensor:
        g = generator or self.generator
        if labels is None:
            labels = torch.randint(self.num_classes, (len(z),), device=z.device)
        return g["net"](torch.cat([z, g["embed"](labels)], dim=1))

    def discriminate(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        d = self.discriminator
        if labels is None:
            raise ValueError("a conditional discriminator needs the labels")
        if "embed" in d:  # projection: logit = ψ(φ(x)) + ⟨embed(y), φ(x)⟩
            features = d["net"].body(x)
            return d["net"].head(features).squeeze(1) + (d["embed"](labels) * features).sum(dim=1)
        planes = F.one_hot(labels, self.num_classes).to(x.dtype)
        planes = planes.view(len(x), self.num_classes, *([1] * (x.ndim - 2))).expand(-1, -1, *x.shape[2:])
        return d["net"](torch.cat([x, planes], dim=1))

    def progress_samples(self) -> Tensor:
        """One row per class, the same latents in every row."""
        per_class = self.progress_grid_rows()
        z = self.fixed_z[:per_class].repeat(self.num_classes, 1)
        labels = torch.arange(self.num_classes, device=self.device).repeat_interleave(per_class)
        return self.sample(z=z, labels=labels)

    def progress_grid_rows(self) -> int:
        return max(1, min(len(self.fixed_z), 10))
