"""Stacked MNIST (Srivastava et al. 2017, VEEGAN; Lin et al. 2018, PacGAN): three MNIST digits as the channels of
one colour image, 1,000 modes (every triple of digits)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from ganzoo.data.base import InMemoryDataset, resize_uint8
from ganzoo.data.torchvision_sets import MNISTData
from ganzoo.errors import UserError
from ganzoo.registry import register_data

#: Stacked images drawn for the validation and test splits (FID references); each its own seeded draw.
HELD_OUT_SAMPLES = 10_000


@register_data("stacked_mnist", "3 MNIST digits as RGB channels, 1,000 modes (VEEGAN/PacGAN); labels = the triple")
class StackedMNISTData(MNISTData):
    """A fixed set of ``num_samples`` colour images, each stacking three digits drawn uniformly (with replacement)
    from MNIST's 70,000 train and test images, drawn once from ``seed``. The label of an image is its mode, the three
    digits read as one number 0…999 (red digit first); it is kept for evaluation, not offered as a conditioning signal
    (``num_classes`` is 0), as in the papers. The validation and test splits are two more draws of 10,000 from other
    seeds, so a FID reference is never the training set itself. Its metric is ``modes_stacked``
    (:mod:`ganzoo.metrics.stacked_mnist`).

    Args:
        num_samples: size of the training set (VEEGAN: 128,000; GDPP: 50,000).
        seed: seed of the draw.
        image_size: side of the square images (28, MNIST's own, by default).
        **kwargs: see :class:`~ganzoo.data.base.ImageDataModule`.
    """

    channels = 3
    #: Every generated image is scored by the MNIST classifier channel by channel; no small CNN reads a whole stack.
    classifier = None
    default_metrics = ("modes_stacked",)

    def __init__(self, num_samples: int = 128_000, seed: int = 0, image_size: int = 28, **kwargs: Any) -> None:
        super().__init__(image_size=image_size, **kwargs)
        if num_samples < 1:
            raise UserError(f"--data.num_samples must be ≥ 1, got {num_samples}")
        self.num_samples = num_samples
        self.seed = seed

    @property
    def num_classes(self) -> int:
        return 0

    @property
    def source(self) -> str:
        return f"{super().source}|{self.num_samples}|{self.seed}"

    def make_dataset(self, split: str) -> Dataset:
        digits = [self._open(train) for train in (True, False)]
        images = torch.cat([torch.as_tensor(np.asarray(d.data)) for d in digits])  # (70000, 28, 28) uint8
        labels = torch.cat([torch.as_tensor(d.targets).long() for d in digits])
        n, offset = (self.num_samples, 0) if split == "train" else (HELD_OUT_SAMPLES, 1 + (split == "test"))
        picks = torch.randint(len(images), (n, 3), generator=torch.Generator().manual_seed(self.seed * 3 + offset))
        modes = (labels[picks] * torch.tensor([100, 10, 1])).sum(1)
        return InMemoryDataset(resize_uint8(images[picks], self.image_size), modes)
