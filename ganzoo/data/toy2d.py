"""The 2D mixtures of Gaussians used to measure mode collapse (VEEGAN, PacGAN, GDPP)."""

from __future__ import annotations

import abc
import math
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import Dataset

from ganzoo.data.base import GANDataModule, InMemoryDataset
from ganzoo.registry import register_data

_SPLIT_SEEDS = {"train": 0, "val": 1, "test": 2}


class Toy2DData(GANDataModule):
    """An equal-weight mixture of isotropic Gaussians at :attr:`modes` with standard deviation ``std``.

    Labels are the index of the mode a sample was drawn from (``num_classes`` = the number of modes); only a
    conditional model (``cgan``) uses them.

    Args:
        num_samples: training samples drawn once (seeded); validation and test draw their own.
        std: standard deviation of every mode.
        **kwargs: see :class:`~ganzoo.data.base.GANDataModule`.
    """

    def __init__(self, num_samples: int = 100_000, std: float = 0.05, batch_size: int = 512, **kwargs: Any) -> None:
        super().__init__(batch_size=batch_size, **kwargs)
        self.num_samples = num_samples
        self.std = std

    @property
    @abc.abstractmethod
    def modes(self) -> Tensor:
        """Mode centres, shape (K, 2)."""

    @property
    def data_shape(self) -> tuple[int, ...]:
        return (2,)

    @property
    def num_classes(self) -> int:
        return len(self.modes)

    def make_dataset(self, split: str) -> Dataset:
        g = torch.Generator().manual_seed(_SPLIT_SEEDS[split])
        n = self.num_samples if split == "train" else min(self.num_samples, 10_000)
        y = torch.randint(len(self.modes), (n,), generator=g)
        x = self.modes[y] + self.std * torch.randn(n, 2, generator=g)
        return InMemoryDataset(x, y)


@register_data("ring", "2D toy: 8 Gaussians on the unit circle, σ=0.01")
class RingData(Toy2DData):
    """8 Gaussians on the unit circle at angles 2πk/8, σ = 0.01 (Metz et al. 2016; VEEGAN's "2D ring")."""

    def __init__(self, std: float = 0.01, **kwargs: Any) -> None:
        super().__init__(std=std, **kwargs)

    @property
    def modes(self) -> Tensor:
        angles = torch.arange(8) * (2 * math.pi / 8)
        return torch.stack([angles.cos(), angles.sin()], dim=1)


@register_data("grid", "2D toy: 25 Gaussians on {−4,−2,0,2,4}², σ=0.05")
class GridData(Toy2DData):
    """25 Gaussians at {−4, −2, 0, 2, 4}², σ = 0.05 (VEEGAN's "2D grid")."""

    def __init__(self, std: float = 0.05, **kwargs: Any) -> None:
        super().__init__(std=std, **kwargs)

    @property
    def modes(self) -> Tensor:
        axis = torch.arange(-4.0, 5.0, 2.0)
        return torch.cartesian_prod(axis, axis)
