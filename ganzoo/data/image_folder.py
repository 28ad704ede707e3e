"""Images read from files on disk: any folder tree, optionally labelled by sub-folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import Dataset

from ganzoo.data.base import ImageDataModule
from ganzoo.errors import UserError
from ganzoo.registry import register_data

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm")


def list_images(folder: Path) -> list[Path]:
    """All image files below ``folder``, sorted; a one-line error if there are none."""
    if not folder.is_dir():
        raise UserError(f"image folder {folder} does not exist; pass --data.root DIR with your images")
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())
    if not paths:
        raise UserError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) found under {folder}; check --data.root")
    return paths


class ImageFiles(Dataset):
    """Image files → resize (shorter side) → centre crop → [−1, 1] tensors, decoded lazily (in workers).

    ``geometry`` replaces the resize and centre crop, e.g. with training augmentation (random crop, flip).
    """

    def __init__(
        self,
        paths: Sequence[Path],
        labels: Sequence[int] | None,
        image_size: int,
        channels: int,
        geometry: Sequence[Any] | None = None,
    ) -> None:
        from torchvision.transforms import v2

        self.paths = list(paths)
        self.labels = list(labels) if labels is not None else [0] * len(self.paths)
        self.mode = "L" if channels == 1 else "RGB"
        if geometry is None:
            geometry = [v2.Resize(image_size, antialias=True), v2.CenterCrop(image_size)]
        self.transform = v2.Compose(
            [
                v2.PILToTensor(),
                *geometry,
                v2.ToDtype(torch.float32, scale=True),
                v2.Normalize([0.5] * channels, [0.5] * channels),
            ]
        )

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[Tensor, int]:
        from PIL import Image

        path = self.paths[i]
        try:
            with Image.open(path) as im:
                image = im.convert(self.mode)
        except OSError as err:  # PIL's UnidentifiedImageError is an OSError
            raise UserError(f"cannot read image {path} ({err}); remove or replace that file") from err
        return self.transform(image), self.labels[i]


def split_indices(n: int, val_fraction: float, split: str) -> Tensor:
    """A fixed (seeded) split of ``range(n)``: ``train`` and the held-out rest (``val``/``test``)."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(0))
    n_val = min(n - 1, max(1, round(n * val_fraction))) if val_fraction > 0 else 0
    return order[n_val:] if split == "train" else order[:n_val]


@register_data("image_folder", "any folder of images (--data.root DIR); --data.labels from sub-folders")
class ImageFolderData(ImageDataModule):
    """Every image below ``root`` (any depth), resized on the shorter side and centre-cropped.

    With ``labels=True`` the first-level sub-folders of ``root`` are the classes (torchvision's ImageFolder
    layout), which conditional models can use.

    Args:
        channels: 3 (RGB) or 1 (greyscale).
        labels: label images by their first-level sub-folder.
        val_fraction: share of images held out (seeded) for validation and test.
        num_workers: decoding processes.
        **kwargs: see :class:`~ganzoo.data.base.ImageDataModule`.
    """

    def __init__(
        self,
        channels: int = 3,
        labels: bool = False,
        val_fraction: float = 0.05,
        image_size: int = 64,
        num_workers: int = 4,
        **kwargs: Any,
    ) -> None:
        super().__init__(image_size=image_size, num_workers=num_workers, **kwargs)
        if channels not in (1, 3):
            raise UserError(f"--data.channels must be 1 or 3, got {channels}")
        self.channels = channels
        self.val_fraction = val_fraction
        self.classes = (
            sorted(p.name for p in self.root.iterdir() if p.is_dir()) if labels and self.root.is_dir() else []
        )
        if labels and not self.classes:
            raise UserError(f"--data.labels true needs one sub-folder per class under {self.root}; found none")

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def make_dataset(self, split: str) -> Dataset:
        paths = list_images(self.root)
        labels = None
        if self.classes:
            index = {c: i for i, c in enumerate(self.classes)}
            paths = [p for p in paths if p.relative_to(self.root).parts[0] in index]
            labels = [index[p.relative_to(self.root).parts[0]] for p in paths]
        keep = split_indices(len(paths), self.val_fraction, split).tolist()
        return ImageFiles(
            [paths[i] for i in keep],
            [labels[i] for i in keep] if labels else None,
            self.image_size,
            self.channels,
        )
