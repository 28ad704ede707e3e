"""Datamodules. Each yields ``(samples, labels)`` batches (the two-domain ones ``(a, b, labels_a, labels_b)``) and
exposes ``data_shape`` and ``num_classes``; each is registered beside its definition with
:func:`~ganzoo.registry.register_data`. Every module of this package is imported here."""

from ganzoo.data.base import GANDataModule, ImageDataModule, InMemoryDataset, default_root
from ganzoo.data.celeba import CelebAData
from ganzoo.data.digits import DigitsData
from ganzoo.data.image_folder import ImageFolderData
from ganzoo.data.mnist_usps import MNISTUSPSData, USPSData
from ganzoo.data.stacked_mnist import StackedMNISTData
from ganzoo.data.torchvision_sets import CIFAR10Data, FashionMNISTData, MNISTData
from ganzoo.data.toy2d import GridData, RingData, Toy2DData
from ganzoo.data.unpaired import UnpairedDataModule, UnpairedFolderData
from ganzoo.registry import import_submodules

import_submodules(__name__, __path__)

__all__ = [
    "CIFAR10Data",
    "CelebAData",
    "DigitsData",
    "FashionMNISTData",
    "GANDataModule",
    "GridData",
    "ImageDataModule",
    "ImageFolderData",
    "InMemoryDataset",
    "MNISTData",
    "MNISTUSPSData",
    "RingData",
    "StackedMNISTData",
    "Toy2DData",
    "USPSData",
    "UnpairedDataModule",
    "UnpairedFolderData",
    "default_root",
]
