"""MNIST, Fashion-MNIST and CIFAR-10 through torchvision, held in memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from ganzoo.data.base import ImageDataModule, InMemoryDataset, fetch, resize_uint8
from ganzoo.errors import UserError
from ganzoo.registry import register_data


class _TorchvisionData(ImageDataModule):
    """A torchvision dataset with ``.data`` / ``.targets``, downloaded to ``root`` on first use.

    ``val`` and ``test`` are both the official test split.
    """

    dataset_name: str = ""
    #: Another way to give the data, said in the error when torchvision's copy cannot be loaded.
    alternative: str = ""

    @property
    def num_classes(self) -> int:
        return 10

    def prepare_data(self) -> None:
        for train in (True, False):
            self._open(train)

    def _open(self, train: bool) -> Any:
        import torchvision.datasets as tvd

        cls = getattr(tvd, self.dataset_name)
        return fetch(
            self.dataset_name,
            self.root,
            f"check your connection (torchvision downloads it to {self.root / self.dataset_name}){self.alternative}",
            lambda: cls(str(self.root), train=train, download=True),
        )

    def make_dataset(self, split: str) -> Dataset:
        ds = self._open(split == "train")
        x = torch.as_tensor(np.asarray(ds.data))
        x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2)  # NHW → N1HW, NHWC → NCHW
        return InMemoryDataset(resize_uint8(x, self.image_size), torch.as_tensor(ds.targets).long())


@register_data("mnist", "MNIST 60k/10k grey digits (torchvision download)")
class MNISTData(_TorchvisionData):
    """MNIST handwritten digits (LeCun et al. 1998): 60,000 train / 10,000 test, 28×28 grey, resized."""

    classifier = "mnist"

    dataset_name = "MNIST"
    channels = 1


@register_data("fashion_mnist", "Fashion-MNIST 60k/10k grey clothing (torchvision)")
class FashionMNISTData(_TorchvisionData):
    """Fashion-MNIST (Xiao et al. 2017): 60,000 train / 10,000 test, 28×28 grey clothing, resized."""

    classifier = "fashion_mnist"

    dataset_name = "FashionMNIST"
    channels = 1


@register_data("cifar10", "CIFAR-10 50k/10k RGB 32×32 (torchvision, or --data.npz FILE)")
class CIFAR10Data(_TorchvisionData):
    """CIFAR-10 (Krizhevsky 2009): 50,000 train / 10,000 test, 32×32 RGB, 10 classes.

    Args:
        npz: instead of torchvision's copy, a local ``.npz`` with ``images`` (N, H, W, 3) uint8 and ``labels``;
            if it has ``source_batch`` the ``test_batch`` entries form the test split, else the last 10 %.
        **kwargs: see :class:`~ganzoo.data.base.ImageDataModule`.
    """

    dataset_name = "CIFAR10"
    alternative = ", give a local .npz with --data.npz FILE (uint8 images N×H×W×3 and labels)"
    channels = 3

    def __init__(self, npz: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.npz = Path(npz).expanduser() if npz else None
        if self.npz is not None and not self.npz.is_file():
            raise UserError(f"--data.npz {self.npz} does not exist; give the path of a .npz with images and labels")

    @property
    def source(self) -> str:
        return f"{super().source}|{self.npz}" if self.npz else super().source

    def prepare_data(self) -> None:
        if self.npz is None:
            super().prepare_data()

    def make_dataset(self, split: str) -> Dataset:
        if self.npz is None:
            return super().make_dataset(split)
        with np.load(self.npz) as f:
            images, labels = f["images"], f["labels"]
            if "source_batch" in f:
                is_test = f["source_batch"] == "test_batch"
            else:
                is_test = np.arange(len(images)) >= int(0.9 * len(images))
        keep = ~is_test if split == "train" else is_test
        x = torch.from_numpy(images[keep]).permute(0, 3, 1, 2)
        return InMemoryDataset(resize_uint8(x, self.image_size), torch.from_numpy(labels[keep]).long())
