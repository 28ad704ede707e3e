"""scikit-learn's bundled 8×8 handwritten digits: ganzoo's default data, no download needed."""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.data import Dataset

from ganzoo.data.base import ImageDataModule, InMemoryDataset, resize_uint8
from ganzoo.registry import register_data


@register_data("digits", "scikit-learn's 1,797 8×8 digits, resized; bundled, no download")
class DigitsData(ImageDataModule):
    """1,797 8×8 digits (UCI, via ``sklearn.datasets.load_digits``) upscaled to ``image_size``; 10 classes.

    A fixed 90/10 split: 1,617 training images; the remaining 180 serve as both validation and test set.

    Args:
        image_size: side of the resized images.
        **kwargs: see :class:`~ganzoo.data.base.GANDataModule` (``root`` is unused: the data ships with
            scikit-learn).
    """

    classifier = "mnist"  # MNIST's small CNN, at 28×28

    channels = 1

    def __init__(self, image_size: int = 32, **kwargs: Any) -> None:
        super().__init__(image_size=image_size, **kwargs)

    @property
    def num_classes(self) -> int:
        return 10

    def make_dataset(self, split: str) -> Dataset:
        from sklearn.datasets import load_digits

        digits = load_digits()
        x = torch.from_numpy(digits.images).mul(255.0 / 16.0).round().to(torch.uint8).unsqueeze(1)
        y = torch.from_numpy(digits.target).long()
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
        n_train = int(0.9 * len(x))
        idx = order[:n_train] if split == "train" else order[n_train:]
        return InMemoryDataset(resize_uint8(x[idx], self.image_size), y[idx])
