"""CelebA aligned faces (Liu et al. 2015)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch.utils.data import Dataset

from ganzoo.data.base import ImageDataModule, fetch
from ganzoo.data.image_folder import ImageFiles, list_images, split_indices
from ganzoo.errors import UserError
from ganzoo.registry import register_data

_SPLITS = {"train": "0", "val": "1", "test": "2"}
_HOWTO = (
    "download img_align_celeba.zip (and list_eval_partition.txt) from the CelebA site and unzip it to "
    "ROOT/celeba/img_align_celeba"
)


@register_data("celeba", "CelebA aligned faces, 64×64 crops (torchvision or a local folder)")
class CelebAData(ImageDataModule):
    """202,599 aligned 178×218 face photos, resized on the shorter side and centre-cropped to ``image_size``.

    Looks under ``root`` for, in order: torchvision's layout (``celeba/img_align_celeba/`` with
    ``celeba/list_eval_partition.txt``, using the official split), a plain ``img_align_celeba/`` folder (or
    ``root`` itself full of images; a seeded 95/5 split); failing both, tries torchvision's download.

    Args:
        num_workers: decoding processes.
        **kwargs: see :class:`~ganzoo.data.base.ImageDataModule`.
    """

    channels = 3

    def __init__(self, image_size: int = 64, num_workers: int = 4, **kwargs: Any) -> None:
        super().__init__(image_size=image_size, num_workers=num_workers, **kwargs)

    def _folder(self) -> Path | None:
        for folder in (self.root / "celeba" / "img_align_celeba", self.root / "img_align_celeba"):
            if folder.is_dir():
                return folder
        if self.root.is_dir() and any(p.suffix.lower() == ".jpg" for p in self.root.iterdir()):
            return self.root
        return None

    def prepare_data(self) -> None:
        if self._folder() is None:
            import torchvision.datasets as tvd

            hint = f"the automatic download (Google Drive) failed; {_HOWTO.replace('ROOT', str(self.root))}"
            fetch("CelebA", self.root, hint, lambda: tvd.CelebA(str(self.root), split="train", download=True))

    def make_dataset(self, split: str) -> Dataset:
        folder = self._folder()
        if folder is None:
            raise UserError(f"CelebA not found under {self.root}; {_HOWTO.replace('ROOT', str(self.root))}")
        partition = folder.parent / "list_eval_partition.txt"
        if partition.is_file():
            names = [line.split() for line in partition.read_text().splitlines() if line.strip()]
            paths = [folder / name for name, part in names if part == _SPLITS[split]]
        else:
            all_paths = list_images(folder)
            paths = [all_paths[i] for i in split_indices(len(all_paths), 0.05, split).tolist()]
        return ImageFiles(paths, None, self.image_size, self.channels)
