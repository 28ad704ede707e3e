"""Images of samples: grids for images, rasterised scatter plots for 2D points. Torch only, no plotting library."""

from __future__ import annotations

import torch
from torch import Tensor


def image_grid(images: Tensor, nrow: int) -> Tensor:
    """[−1, 1] images (N, C, H, W) → one [0, 1] grid image (C, H', W'), 2-pixel padding."""
    from torchvision.utils import make_grid

    return make_grid(images.detach().float().cpu().add(1).div(2).clamp(0, 1), nrow=nrow, padding=2, pad_value=1.0)


def scatter_image(
    points: Tensor, centres: Tensor | None = None, size: int = 256, extent: float | None = None
) -> Tensor:
    """2D points → a (3, size, size) [0, 1] image: samples in blue, optional mode centres as red crosses.

    The square view spans ±``extent`` (default: 1.15 × the largest coordinate of the centres, else of the points).
    """
    points = points.detach().float().cpu()
    ref = centres if centres is not None else points
    extent = extent or 1.15 * float(ref.abs().max().clamp(min=1e-3))
    image = torch.ones(3, size, size)

    def to_pixels(p: Tensor) -> tuple[Tensor, Tensor]:
        ij = ((p / extent + 1) / 2 * (size - 1)).round().long()
        inside = ((ij >= 0) & (ij < size)).all(dim=1)
        return ij[inside, 0], (size - 1 - ij[inside, 1])  # y grows upwards

    cols, rows = to_pixels(points)
    image[:, rows, cols] = torch.tensor([0.12, 0.47, 0.71]).unsqueeze(1)
    if centres is not None:
        for d in range(-3, 4):
            for offset in ((d, 0), (0, d)):
                cols, rows = to_pixels(centres.float().cpu())
                r, c = (rows + offset[0]).clamp(0, size - 1), (cols + offset[1]).clamp(0, size - 1)
                image[:, r, c] = torch.tensor([0.84, 0.15, 0.16]).unsqueeze(1)
    return image
