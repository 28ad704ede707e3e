"""Datamodule base classes and the in-memory dataset behind the small image sets and the 2D toys.

Every datamodule yields ``(x, y)`` batches: samples (images in [−1, 1], NCHW float) and integer labels
(zeros when the data has none; ``num_classes`` is then 0). It exposes ``data_shape``, which the CLI links into every
model, and ``num_classes``, which it links into conditional models only.
"""

from __future__ import annotations

import abc
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import lightning as L
import torch
from filelock import FileLock
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, Sampler

from ganzoo.errors import UserError
from ganzoo.lightning_compat import batches_done

ROOT_ENV = "GANZOO_DATA_ROOT"


def default_root() -> Path:
    """``$GANZOO_DATA_ROOT``, else ``$XDG_CACHE_HOME/ganzoo`` (``~/.cache/ganzoo``)."""
    if env := os.environ.get(ROOT_ENV):
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")).expanduser() / "ganzoo"


def images_to_unit_range(x: Tensor) -> Tensor:
    """uint8 [0, 255] → float [−1, 1]."""
    return x.float().div_(127.5).sub_(1.0)


class InMemoryDataset(Dataset):
    """Samples and labels held as tensors; batches are gathered with one indexing op (``__getitems__``).

    ``x`` may be uint8 images (converted to [−1, 1] per batch, which keeps memory at a quarter) or float data.
    """

    def __init__(self, x: Tensor, y: Tensor | None = None) -> None:
        self.x = x
        self.y = y if y is not None else torch.zeros(len(x), dtype=torch.long)

    def __len__(self) -> int:
        return len(self.x)

    def _convert(self, x: Tensor) -> Tensor:
        return images_to_unit_range(x) if x.dtype == torch.uint8 else x

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        return self._convert(self.x[i]), self.y[i]

    def __getitems__(self, indices: Sequence[int]) -> tuple[Tensor, Tensor]:
        idx = torch.as_tensor(indices)
        return self._convert(self.x[idx]), self.y[idx]


class ShuffleSampler(Sampler[int]):
    """``RandomSampler``'s order (a seed drawn from the global RNG as each epoch starts, then ``randperm``), made
    resumable mid-epoch: after :meth:`resume` the next pass continues the saved one, with the same order, past the
    samples already trained on, and with the global RNG as it was when the checkpoint was written."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.seed: int | None = None
        self._resume: dict[str, Any] | None = None

    def __len__(self) -> int:
        return self.size

    def resume(self, seed: int, skip: int, rng: Tensor) -> None:
        self._resume = {"seed": seed, "skip": skip, "rng": rng}

    def __iter__(self) -> Iterator[int]:
        if self._resume is not None:
            state, self._resume = self._resume, None
            self.seed, skip = state["seed"], state["skip"]
            # A new DataLoader iterator draws its worker seed from the global RNG before this runs: undo that draw,
            # so the resumed run's latents continue exactly where the interrupted run's stopped.
            torch.set_rng_state(state["rng"])
        else:
            self.seed, skip = int(torch.empty((), dtype=torch.int64).random_().item()), 0
        yield from torch.randperm(self.size, generator=torch.Generator().manual_seed(self.seed)).tolist()[skip:]


class ResumableDataLoader(DataLoader):
    """The training ``DataLoader``: its position goes into every checkpoint (Lightning calls :meth:`state_dict`),
    so a run interrupted mid-epoch resumes on the batches the uninterrupted run would have seen next. Exact with
    ``num_workers=0``; with worker processes, their augmentation seeds differ after a resume (torch draws them
    afresh for every iterator).

    Args:
        progress: returns how many training batches of the current epoch have been trained on, and whether that
            ends the epoch (``--trainer.limit_train_batches`` may end it before the data does).
    """

    def __init__(self, *args: Any, progress: Callable[[], tuple[int, bool]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.progress = progress

    def state_dict(self) -> dict[str, Any]:
        sampler = self.sampler
        if not isinstance(sampler, ShuffleSampler) or sampler.seed is None or self.progress is None:
            return {}  # e.g. DDP's DistributedSampler, which Lightning puts in its place
        done, epoch_over = self.progress()
        return {"seed": sampler.seed, "samples": done * self.batch_size, "epoch_over": epoch_over,
                "rng": torch.get_rng_state()}  # fmt: skip

    def load_state_dict(self, state: dict[str, Any]) -> None:
        # A checkpoint written after an epoch's last batch starts a fresh epoch, as the uninterrupted run does.
        if state and isinstance(self.sampler, ShuffleSampler) and not state.get("epoch_over", False):
            self.sampler.resume(state["seed"], state["samples"], state["rng"])


def _keep_batch(batch: Any) -> Any:
    # ``__getitems__`` already returns a collated batch.
    return batch


class GANDataModule(L.LightningDataModule, abc.ABC):
    """Base of ganzoo's datamodules: batching, loaders, the data root and the geometry.

    Subclasses implement :meth:`make_dataset` for the splits ``train``, ``val`` and ``test``, and the properties
    :attr:`data_shape` and :attr:`num_classes`.

    Args:
        root: data directory; default ``$GANZOO_DATA_ROOT``, else ``~/.cache/ganzoo``.
        batch_size: samples per training batch (per process under DDP).
        num_workers: data-loading worker processes (0 loads in the main process).
    """

    #: The shipped small-CNN classifier of this data (see :mod:`ganzoo.metrics.classifier`), if any: the offline
    #: ``lenet`` features of FID/KID/IS.
    classifier: str | None = None
    #: The metrics an evaluation of this data runs when none are named; None: every registered default metric.
    default_metrics: tuple[str, ...] | None = None

    def __init__(self, root: str | None = None, batch_size: int = 64, num_workers: int = 0) -> None:
        super().__init__()
        if batch_size < 1:
            raise UserError(f"--data.batch_size must be ≥ 1, got {batch_size}")
        if num_workers < 0:
            raise UserError(f"--data.num_workers must be ≥ 0, got {num_workers}")
        self.root = Path(root).expanduser() if root else default_root()
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.datasets: dict[str, Dataset] = {}

    @property
    @abc.abstractmethod
    def data_shape(self) -> tuple[int, ...]:
        """Shape of one sample: (C, H, W) for images, (D,) for flat data."""

    @property
    def num_classes(self) -> int:
        """Number of distinct labels; 0 for unlabelled data."""
        return 0

    @property
    def source(self) -> str:
        """What the samples are read from, for cache keys of their features."""
        return f"{type(self).__name__}|{self.root}|{self.data_shape}"

    @abc.abstractmethod
    def make_dataset(self, split: str) -> Dataset:
        """The dataset of one split: ``train``, ``val`` or ``test``."""

    def setup(self, stage: str) -> None:
        splits = {"fit": ("train", "val"), "validate": ("val",), "test": ("test",), "predict": ("test",)}[stage]
        for split in splits:
            if split not in self.datasets:
                self.datasets[split] = self.make_dataset(split)

    def _loader(self, split: str, train: bool) -> DataLoader:
        dataset = self.datasets[split]
        if train and len(dataset) < self.batch_size:
            raise UserError(
                f"{type(self).__name__} has {len(dataset)} training samples, fewer than one batch of "
                f"{self.batch_size}; lower --data.batch_size"
            )
        batched = hasattr(dataset, "__getitems__")
        resumable = {"sampler": ShuffleSampler(len(dataset)), "progress": self._progress} if train else {}
        return (ResumableDataLoader if train else DataLoader)(
            dataset,
            batch_size=self.batch_size,
            drop_last=train,  # full batches keep BatchNorm statistics and the minibatch layers well defined
            **resumable,
            num_workers=self.num_workers,
            # Not persistent: a persistent loader draws its workers' base seed from the global RNG once, a resumed one
            # draws it again, so a resumed run would shuffle and augment differently from an uninterrupted one.
            persistent_workers=False,
            collate_fn=_keep_batch if batched else None,
        )

    def _progress(self) -> tuple[int, bool]:
        done = batches_done(self.trainer)
        return done, done >= self.trainer.num_training_batches

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", train=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", train=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", train=False)

    def predict_dataloader(self) -> DataLoader:
        return self._loader("test", train=False)


class ImageDataModule(GANDataModule):
    """A datamodule of square images resized to ``image_size``.

    Args:
        image_size: side of the square images the model sees (resized once, with antialiasing).
        **kwargs: see :class:`GANDataModule`.
    """

    #: Channels of the images (1 grey, 3 RGB).
    channels: int = 1

    def __init__(self, image_size: int = 32, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if image_size < 4:
            raise UserError(f"--data.image_size must be at least 4, got {image_size}")
        self.image_size = image_size

    @property
    def data_shape(self) -> tuple[int, ...]:
        return (self.channels, self.image_size, self.image_size)


def resize_uint8(images: Tensor, size: int) -> Tensor:
    """Resizes a uint8 NCHW batch to size×size (antialiased), in chunks to bound memory."""
    from torchvision.transforms.v2 import functional as TF

    if images.shape[-2:] == (size, size):
        return images.contiguous()
    return torch.cat([TF.resize(chunk, [size, size], antialias=True) for chunk in images.split(4096)])


def fetch(what: str, root: Path, hint: str, load: Callable[[], Any]) -> Any:
    """Runs ``load`` (usually a torchvision download-or-open), turning failures into a one-line UserError. A failed
    download leaves no empty folders behind (a mistyped root is not created on disk).

    Processes on one machine take turns per root (sweep agents, ``--jobs N`` benchmarks): torchvision checks that a
    file exists and then extracts it in place, so a second process would read a half-written file."""
    existed = root.exists()
    try:
        with download_lock(root):
            return load()
    except UserError:
        raise
    except Exception as err:  # network errors, bad checksums, missing files: all the user's to fix
        if not existed:
            _remove_empty_folders(root)
        reason = (str(err).splitlines() or [""])[0]
        raise UserError(
            f"could not load {what} from {root} ({type(err).__name__}: {reason}); "
            f"{hint}, or point --data.root / ${ROOT_ENV} at a copy"
        ) from err


def download_lock(root: Path) -> FileLock:
    """An inter-process lock for ``root``, kept in the temporary folder: ``root`` may be read-only or not exist yet."""
    digest = hashlib.sha256(str(root.expanduser().resolve()).encode()).hexdigest()[:16]
    return FileLock(Path(tempfile.gettempdir()) / f"ganzoo-data-{digest}.lock")


def _remove_empty_folders(root: Path) -> None:
    """Removes ``root`` and the folders below it that hold no file (deepest first); files are never touched."""
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    if not any(root.iterdir()):
        root.rmdir()
