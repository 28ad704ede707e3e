"""Unpaired two-domain image data for image-to-image translation (CycleGAN): domains A and B, no correspondences.

Batches are ``(a, b, labels_a, labels_b)``: a batch of A images, an equally large batch of B images drawn
independently of them, and their labels (zeros where the domain has none; only evaluation uses them). ``batch[0]``
is the A batch, which is what ganzoo's image counters read.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import Dataset, default_collate

from ganzoo.data.base import ImageDataModule
from ganzoo.data.image_folder import ImageFiles, list_images
from ganzoo.distributed import draw_for_rank
from ganzoo.errors import UserError
from ganzoo.registry import register_data

Batch = tuple[Tensor, Tensor, Tensor, Tensor]


def gather(dataset: Dataset, indices: Sequence[int]) -> tuple[Tensor, Tensor]:
    """``(images, labels)`` of ``indices``, through the dataset's batched ``__getitems__`` where it has one."""
    if hasattr(dataset, "__getitems__"):
        return dataset.__getitems__(list(indices))
    return default_collate([dataset[i] for i in indices])


class UnpairedDataset(Dataset):
    """A epoch over ``max(len(a), len(b))`` items (as in the paper's code): item i is A image ``i mod len(a)`` with
    a B image drawn at random each time (``random_pairs``), or B image ``i mod len(b)`` (fixed, for evaluation).

    Args:
        a: domain A, items ``(image, label)``.
        b: domain B, items ``(image, label)``.
        random_pairs: draw the B partner at random (training) instead of by index.
    """

    def __init__(self, a: Dataset, b: Dataset, random_pairs: bool) -> None:
        self.a, self.b = a, b
        self.random_pairs = random_pairs

    def __len__(self) -> int:
        return max(len(self.a), len(self.b))

    def __getitem__(self, i: int) -> Batch:
        return tuple(x[0] for x in self.__getitems__([i]))  # type: ignore[return-value]

    def __getitems__(self, indices: Sequence[int]) -> Batch:
        idx = torch.as_tensor(indices)
        if self.random_pairs:  # under DDP each rank its share of one draw, not a copy of rank 0's partners
            idx_b = draw_for_rank(lambda m: torch.randint(len(self.b), (m,)), len(idx))
        else:
            idx_b = idx % len(self.b)
        a, labels_a = gather(self.a, (idx % len(self.a)).tolist())
        b, labels_b = gather(self.b, idx_b.tolist())
        return a, b, torch.as_tensor(labels_a), torch.as_tensor(labels_b)


class UnpairedDataModule(ImageDataModule):
    """Base of the two-domain datamodules: yields ``(a, b, labels_a, labels_b)`` batches; ``val`` and ``test`` are
    both the domains' test splits, paired by index.

    Subclasses implement :meth:`make_domain`.
    """

    #: The shipped small-CNN classifiers of domains A and B (see :mod:`ganzoo.metrics.classifier`), if any: the
    #: label-preservation evaluation classifies translated images with the target domain's.
    classifiers: tuple[str, str] | None = None

    @abc.abstractmethod
    def make_domain(self, domain: str, train: bool) -> Dataset:
        """Domain ``a`` or ``b``, training or test split, as a dataset of ``(image, label)`` items."""

    def make_dataset(self, split: str) -> Dataset:
        train = split == "train"
        return UnpairedDataset(self.make_domain("a", train), self.make_domain("b", train), random_pairs=train)

    def fixed_images(self, n: int) -> tuple[Tensor, Tensor]:
        """The first ``n`` test images of each domain (repeated if a domain has fewer): the progress grid's inputs."""
        if "val" not in self.datasets:
            self.setup("validate")
        pairs = self.datasets["val"]
        return (
            gather(pairs.a, [i % len(pairs.a) for i in range(n)])[0],
            gather(pairs.b, [i % len(pairs.b) for i in range(n)])[0],
        )


@register_data("unpaired_folder", "two unpaired image domains: ROOT/trainA, trainB, testA, testB (cyclegan)")
class UnpairedFolderData(UnpairedDataModule):
    """Two folders of images without correspondences, in the CycleGAN datasets' layout (horse2zebra, …)::

        ROOT/trainA  ROOT/trainB  ROOT/testA  ROOT/testB

    Test images are resized on the shorter side and centre-cropped to ``image_size``. Training images are resized to
    ``load_size``, randomly cropped to ``image_size`` and randomly flipped, as in the paper (286 → 256).

    Args:
        channels: 3 (RGB) or 1 (greyscale).
        load_size: side the shorter edge is resized to before the random crop (default ``image_size`` × 286/256).
        flip: random horizontal flips of training images.
        num_workers: decoding processes.
        **kwargs: see :class:`~ganzoo.data.base.ImageDataModule`.
    """

    def __init__(
        self,
        channels: int = 3,
        load_size: int | None = None,
        flip: bool = True,
        image_size: int = 256,
        batch_size: int = 1,
        num_workers: int = 4,
        **kwargs: Any,
    ) -> None:
        super().__init__(image_size=image_size, batch_size=batch_size, num_workers=num_workers, **kwargs)
        if channels not in (1, 3):
            raise UserError(f"--data.channels must be 1 or 3, got {channels}")
        self.channels = channels
        self.load_size = load_size or round(image_size * 286 / 256)
        if self.load_size < image_size:
            raise UserError(f"--data.load_size ({self.load_size}) must be at least --data.image_size ({image_size})")
        self.flip = flip
        for folder in ("trainA", "trainB", "testA", "testB"):
            if not (self.root / folder).is_dir():
                raise UserError(
                    f"no {folder} folder in {self.root}; unpaired_folder expects ROOT/trainA, ROOT/trainB, ROOT/testA "
                    "and ROOT/testB (the CycleGAN datasets' layout): pass --data.root DIR"
                )

    def make_domain(self, domain: str, train: bool) -> Dataset:
        paths = list_images(self.root / f"{'train' if train else 'test'}{domain.upper()}")
        if not train:
            return ImageFiles(paths, None, self.image_size, self.channels)
        from torchvision.transforms import v2

        # The paper's training augmentation: resize to load_size (286 for 256), random crop, random flip.
        augment = [v2.Resize(self.load_size, antialias=True), v2.RandomCrop(self.image_size)]
        if self.flip:
            augment.append(v2.RandomHorizontalFlip())
        return ImageFiles(paths, None, self.image_size, self.channels, augment)
