"""The history of generated images CycleGAN's discriminators train on (Shrivastava et al. 2017; Zhu et al. 2017)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


class ImagePool(nn.Module):
    """Up to ``capacity`` past generated images. :meth:`query` stores each new image until the pool is full; then,
    with probability ½, it returns a random stored image instead and puts the new one in its place.

    The pool is a buffer, so checkpoints carry it and a resumed run sees the same history; its random draws use
    torch's global generator, which ganzoo's checkpoints restore.

    Args:
        capacity: images kept (the paper's 50); 0 disables the pool.
        shape: shape of one image, ``(C, H, W)``.
    """

    def __init__(self, capacity: int, shape: Sequence[int]) -> None:
        super().__init__()
        if capacity < 0:
            raise ValueError(f"pool capacity must be ≥ 0, got {capacity}")
        self.capacity = capacity
        self.register_buffer("images", torch.zeros(capacity, *shape))
        self.register_buffer("count", torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def query(self, images: Tensor) -> Tensor:
        """The batch the discriminator sees in place of ``images`` (detached; same shape)."""
        images = images.detach()
        if self.capacity == 0:
            return images
        out = images.clone()
        # One draw per image, on the CPU generator whatever the device, so runs repeat on any hardware.
        coins = torch.rand(len(images)).tolist()
        slots = torch.randint(self.capacity, (len(images),)).tolist()
        n = int(self.count)
        for i, image in enumerate(images):
            if n < self.capacity:
                self.images[n] = image
                n += 1
            elif coins[i] < 0.5:
                out[i] = self.images[slots[i]]
                self.images[slots[i]] = image
        self.count.fill_(n)
        return out
