"""GANs whose discriminator sees the minibatch: minibatch discrimination (Salimans et al. 2016) or minibatch stddev."""

from __future__ import annotations

from typing import Any, Literal

from torch import nn

from ganzoo.models.backbone_gan import BackboneGAN
from ganzoo.nets import Activation, Norm
from ganzoo.nets.backbones import Backbone
from ganzoo.nets.minibatch import MinibatchDiscrimination, MinibatchStdDev
from ganzoo.registry import register_model


@register_model("minibatch_gan", "Salimans et al. 2016: minibatch discrimination (or --model.layer stddev) in D")
class MinibatchGAN(BackboneGAN):
    """A GAN whose discriminator appends minibatch features before its last layer, so a generator that collapses
    onto a few modes is easy to spot (the notes' remedy 3.1 for mode collapse).

    Args:
        layer: ``discrimination`` (Salimans et al.'s learned tensor T of A×B×C) or ``stddev`` (the cheap one).
        num_kernels: B, the number of minibatch kernels.
        kernel_dim: C, the dimension of each kernel.
        group_size: samples per group of the stddev layer.
        backbone: ``auto`` (``dcgan`` for images, ``mlp`` for flat data such as the 2D toys), ``mlp`` or ``dcgan``.
            On images the MLPs lose from the first steps: the minibatch features let D reject the near-identical
            early samples outright (on Fashion-MNIST D(x) ≈ 1.0 and D(G(z)) 0.09 after 50 generator steps, 0.01
            after 175) and G escapes into pixel noise, whose pairwise distances are large; the DCGAN players learn.
        hidden: MLP hidden widths of both networks.
        activation: MLP activation.
        base_channels: DCGAN width.
        g_norm: the generator's normalisation (None: the backbone's, BatchNorm for DCGAN, none for the MLP).
        d_norm: the discriminator's normalisation (None: the backbone's).
        **kwargs: see :class:`~ganzoo.models.base.GAN`.
    """

    def __init__(
        self,
        layer: Literal["discrimination", "stddev"] = "discrimination",
        num_kernels: int = 50,
        kernel_dim: int = 5,
        group_size: int = 4,
        backbone: Backbone = "auto",
        hidden: tuple[int, ...] = (256, 256),
        activation: Activation = "leaky_relu",
        base_channels: int = 64,
        g_norm: Norm | None = None,
        d_norm: Norm | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)

    def build_discriminator(self) -> nn.Module:
        hp = self.hparams
        net = super().build_discriminator()
        if hp.layer == "discrimination":
            layer = MinibatchDiscrimination(net.out_features, hp.num_kernels, hp.kernel_dim)
        else:
            layer = MinibatchStdDev(net.out_features, hp.group_size)
        net.head = nn.Sequential(layer, nn.Linear(layer.out_features, 1))
        return net
