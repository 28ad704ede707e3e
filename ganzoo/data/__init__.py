"""Datamodules. Each yields ``(samples, labels)`` batches and exposes ``data_shape`` and ``num_classes``."""

from ganzoo.data.base import GANDataModule, ImageDataModule, InMemoryDataset, default_root
from ganzoo.data.celeba import CelebAData
from ganzoo.data.digits import DigitsData
from ganzoo.data.image_folder import ImageFolderData
from ganzoo.data.torchvision_sets import CIFAR10Data, FashionMNISTData, MNISTData
from ganzoo.data.toy2d import GridData, RingData, Toy2DData

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
    "RingData",
    "Toy2DData",
    "default_root",
]
