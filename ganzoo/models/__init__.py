"""GAN variants. Each is a small subclass of :class:`GAN` that defines its networks and what differs."""

from ganzoo.models.base import GAN
from ganzoo.models.cgan import CGAN
from ganzoo.models.cyclegan import CycleGAN
from ganzoo.models.dcgan import DCGAN
from ganzoo.models.minibatch_gan import MinibatchGAN
from ganzoo.models.stylegan_lite import StyleGANLite
from ganzoo.models.unrolled_gan import UnrolledGAN
from ganzoo.models.vanilla_gan import VanillaGAN
from ganzoo.models.wgan import WGAN, WGANGP

__all__ = [
    "CGAN",
    "CycleGAN",
    "DCGAN",
    "GAN",
    "MinibatchGAN",
    "StyleGANLite",
    "UnrolledGAN",
    "WGAN",
    "WGANGP",
    "VanillaGAN",
]
