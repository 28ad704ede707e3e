"""USPS digits, and MNIST ↔ USPS: the unpaired digit pair on which translation is measured by label preservation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from ganzoo.data.base import ImageDataModule, InMemoryDataset, fetch, resize_uint8
from ganzoo.data.torchvision_sets import MNISTData
from ganzoo.data.unpaired import UnpairedDataModule
from ganzoo.errors import UserError
from ganzoo.registry import register_data


def load_usps(root: Path, usps_path: Path | None, train: bool, download: bool) -> tuple[Tensor, Tensor]:
    """USPS as uint8 images (N, 1, 16, 16) and labels: from the common ``usps.h5`` (``usps_path``, else
    ``root/usps/usps.h5``), else through ``torchvision.datasets.USPS`` in ``root/usps`` (downloaded if allowed)."""
    h5 = usps_path or root / "usps" / "usps.h5"
    if usps_path is not None and not usps_path.is_file():
        raise UserError(f"--data.usps_path {usps_path} does not exist; give the path of usps.h5 or leave it unset")
    if h5.is_file():
        import h5py

        try:
            with h5py.File(h5, "r") as f:
                group = f["train" if train else "test"]
                x, y = np.asarray(group["data"]), np.asarray(group["target"])
        except (OSError, KeyError) as err:
            raise UserError(f"{h5} is not a USPS h5 file with train/test groups of data and target ({err})") from err
        images = torch.from_numpy(x).reshape(-1, 1, 16, 16).mul(255).round().clamp(0, 255).to(torch.uint8)
        return images, torch.from_numpy(y).long()
    folder = root / "usps"
    split_file = folder / ("usps.bz2" if train else "usps.t.bz2")
    if not download and not split_file.is_file():
        raise UserError(
            f"no USPS at {h5} or {split_file}; pass --data.usps_path FILE (usps.h5), or set --data.download true to "
            "let torchvision download it"
        )
    import torchvision.datasets as tvd

    ds = fetch("USPS", folder, f"check your connection (torchvision downloads it to {folder}), pass --data.usps_path "
               "FILE (usps.h5)", lambda: tvd.USPS(str(folder), train=train, download=download))  # fmt: skip
    return torch.from_numpy(ds.data).unsqueeze(1), torch.as_tensor(ds.targets).long()


@register_data("usps", "USPS 7,291/2,007 grey 16×16 digits (--data.usps_path h5, or torchvision)")
class USPSData(ImageDataModule):
    """USPS handwritten digits (Hull 1994): 7,291 train / 2,007 test, 16×16 grey, resized to ``image_size``.

    Reads the common ``usps.h5`` redistribution (``root/usps/usps.h5`` or ``usps_path``); without it, torchvision's
    ``USPS`` (LIBSVM's bz2 files in ``root/usps``, downloaded when ``download`` is true). ``val`` and ``test`` are
    both the test split.

    Args:
        usps_path: a ``usps.h5`` file (groups ``train``/``test`` with ``data`` (N, 256) in [0, 1] and ``target``).
        download: let torchvision download USPS when no h5 file is found.
        **kwargs: see :class:`~ganzoo.data.base.ImageDataModule`.
    """

    classifier = "usps"

    channels = 1

    def __init__(self, usps_path: str | None = None, download: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.usps_path = Path(usps_path).expanduser() if usps_path else None
        self.download = download

    @property
    def num_classes(self) -> int:
        return 10

    def prepare_data(self) -> None:
        for train in (True, False):
            load_usps(self.root, self.usps_path, train, self.download)

    def make_dataset(self, split: str) -> Dataset:
        x, y = load_usps(self.root, self.usps_path, split == "train", self.download)
        return InMemoryDataset(resize_uint8(x, self.image_size), y)


@register_data("mnist_usps", "unpaired domains A = MNIST, B = USPS, resized alike (cyclegan)")
class MNISTUSPSData(UnpairedDataModule):
    """Domain A = MNIST (60,000 / 10,000), domain B = USPS (7,291 / 2,007), both grey and resized to
    ``image_size``; labels are kept for the label-preservation evaluation only.

    MNIST is read through torchvision from ``root`` (``root/MNIST``); USPS as in :class:`USPSData`. An epoch passes
    over MNIST once, each image with a random USPS partner.

    Args:
        usps_path: a ``usps.h5`` file (default ``root/usps/usps.h5``).
        download: let torchvision download USPS when no h5 file is found (MNIST is downloaded as for ``mnist``).
        **kwargs: see :class:`~ganzoo.data.base.ImageDataModule`.
    """

    channels = 1
    classifiers = ("mnist", "usps")

    def __init__(self, usps_path: str | None = None, download: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.usps = USPSData(usps_path, download, root=str(self.root), image_size=self.image_size)
        self.mnist = MNISTData(root=str(self.root), image_size=self.image_size)
        self._domains: dict[tuple[str, bool], Dataset] = {}

    @property
    def num_classes(self) -> int:
        return 10

    def prepare_data(self) -> None:
        self.mnist.prepare_data()
        self.usps.prepare_data()

    def make_domain(self, domain: str, train: bool) -> Dataset:
        # val and test are the same split: load each once.
        if (domain, train) not in self._domains:
            source = self.mnist if domain == "a" else self.usps
            self._domains[domain, train] = source.make_dataset("train" if train else "test")
        return self._domains[domain, train]
