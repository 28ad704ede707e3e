"""A small CNN classifier per digit-like dataset: offline features for FID/KID and logits for a classifier IS.

Its weights (~0.5 MB each) ship in ``ganzoo/metrics/weights/`` and are produced by
``python -m ganzoo.metrics.train_classifier --data mnist`` (and ``fashion_mnist``, ``usps``). The USPS classifier
also scores translations into USPS (:mod:`ganzoo.metrics.translation`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

INPUT_SIZE = 28


def has_classifier(datamodule: Any) -> bool:
    """Whether a small CNN ships for this datamodule's data (its ``classifier``)."""
    return datamodule.classifier is not None and weights_path(datamodule.classifier).is_file()


class SmallCNN(nn.Module):
    """LeNet-style: two conv blocks (32 and 64 channels, 3×3) → 128-d features (``num_features``) → 10 logits."""

    num_features = 128

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 7 * 7, self.num_features), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Sequential(nn.Dropout(0.25), nn.Linear(self.num_features, num_classes))

    @staticmethod
    def prepare(x: Tensor) -> Tensor:
        """[−1, 1] images of any size → one channel at 28×28, the classifier's input."""
        x = x.float().clamp(-1, 1)
        if x.shape[1] == 3:
            x = x.mean(dim=1, keepdim=True)
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", antialias=True, align_corners=False)
        return x

    def features_and_logits(self, x: Tensor) -> tuple[Tensor, Tensor]:
        features = self.body(self.prepare(x))
        return features, self.head(features)

    def forward(self, x: Tensor) -> Tensor:
        return self.features_and_logits(x)[1]


def weights_path(name: str) -> Path:
    return Path(str(resources.files("ganzoo").joinpath("metrics", "weights", f"small_cnn_{name}.pt")))


def load_classifier(name: str) -> SmallCNN:
    """The shipped classifier for ``name`` (``mnist``, ``fashion_mnist``, ``usps``), in eval mode."""
    from ganzoo.errors import UserError

    path = weights_path(name)
    if not path.is_file():
        raise UserError(f"no classifier weights for {name!r} at {path}; train them with "
                        f"`python -m ganzoo.metrics.train_classifier --data {name}`")  # fmt: skip
    model = SmallCNN()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval().requires_grad_(False)
