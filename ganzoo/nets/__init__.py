"""Network architectures, independent of how they are trained (see ``ganzoo.models`` for the algorithms).

A discriminator is ``body`` (input → flat features, with ``out_features``) followed by ``head`` (features → one
logit per sample), so feature-level layers such as minibatch discrimination can be inserted between the two.
"""

from ganzoo.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from ganzoo.nets.equalized import EqualizedConv2d, EqualizedLinear
from ganzoo.nets.layers import Norm, make_norm
from ganzoo.nets.minibatch import MinibatchDiscrimination, MinibatchStdDev
from ganzoo.nets.mlp import MLP, Activation, MLPDiscriminator, MLPGenerator
from ganzoo.nets.patchgan import PatchDiscriminator
from ganzoo.nets.resnet_generator import ResnetGenerator
from ganzoo.nets.stylegan import StyleGANDiscriminator, StyleGANGenerator

__all__ = [
    "MLP",
    "Activation",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "EqualizedConv2d",
    "EqualizedLinear",
    "MLPDiscriminator",
    "MLPGenerator",
    "MinibatchDiscrimination",
    "MinibatchStdDev",
    "Norm",
    "PatchDiscriminator",
    "ResnetGenerator",
    "StyleGANDiscriminator",
    "StyleGANGenerator",
    "make_norm",
]
