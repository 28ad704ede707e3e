"""GAN variants. Each is a small subclass of :class:`GAN` (noise → samples) or :class:`TranslationGAN` (domain →
domain) that defines its networks and what differs, registered beside its definition with
:func:`~ganzoo.registry.register_model`. Every module of this package is imported here, so a new variant's file is
all the CLI needs."""

from ganzoo.models.base import GAN
from ganzoo.models.cgan import CGAN
from ganzoo.models.cyclegan import CycleGAN
from ganzoo.models.dcgan import DCGAN
from ganzoo.models.dragan import DRAGAN
from ganzoo.models.minibatch_gan import MinibatchGAN
from ganzoo.models.pacgan import PacGAN
from ganzoo.models.stylegan_lite import StyleGANLite
from ganzoo.models.translation import TranslationGAN
from ganzoo.models.two_player import TwoPlayerModule
from ganzoo.models.unrolled_gan import UnrolledGAN
from ganzoo.models.vanilla_gan import VanillaGAN
from ganzoo.models.wgan import WGAN, WGANGP
from ganzoo.registry import import_submodules

import_submodules(__name__, __path__)

__all__ = [
    "CGAN",
    "CycleGAN",
    "DCGAN",
    "DRAGAN",
    "GAN",
    "MinibatchGAN",
    "PacGAN",
    "StyleGANLite",
    "TranslationGAN",
    "TwoPlayerModule",
    "UnrolledGAN",
    "WGAN",
    "WGANGP",
    "VanillaGAN",
]
