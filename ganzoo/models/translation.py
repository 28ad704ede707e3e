"""Image-to-image translation GANs: the family of models that map images of one domain to another (CycleGAN; a
pix2pix-like model would follow).

``TranslationGAN`` adds to the two-player core (:mod:`ganzoo.models.two_player`) what translation models share:
two-domain batches ``(a, b, labels_a, labels_b)``, :meth:`translate` in both directions (from the EMA generators when
there are some), and progress grids of fixed test images and their translations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import torch
from torch import Tensor

from ganzoo.data.unpaired import UnpairedDataModule
from ganzoo.errors import UserError
from ganzoo.models.two_player import TwoPlayerModule

Direction = Literal["a2b", "b2a"]
TWO_DOMAIN_ADVICE = "use --data unpaired_folder or mnist_usps"
DIRECTIONS: tuple[Direction, ...] = ("a2b", "b2a")


class TranslationGAN(TwoPlayerModule):
    """Base of the translation models. The generator role is a ``ModuleDict`` with one network per direction
    (``a2b``, ``b2a``).

    Args:
        data_shape: shape of one image ``(C, H, W)``, the same in both domains (linked from the data).
        num_progress_samples: fixed test images per domain in the progress grid.
        **kwargs: see :class:`~ganzoo.models.two_player.TwoPlayerModule` (loss, optimizers, n_critic, clipping, EMA).
    """

    def __init__(self, data_shape: Sequence[int] = (1, 32, 32), num_progress_samples: int = 8, **kwargs: Any) -> None:
        if len(data_shape) != 3:
            raise UserError(f"{type(self).__name__} translates images, but this data is flat (shape "
                            f"{tuple(data_shape)}): {TWO_DOMAIN_ADVICE}")  # fmt: skip
        super().__init__(data_shape=data_shape, **kwargs)
        self.register_buffer("fixed_a", torch.zeros(num_progress_samples, *self.data_shape))
        self.register_buffer("fixed_b", torch.zeros(num_progress_samples, *self.data_shape))

    def check_datamodule(self, datamodule: Any) -> None:
        if not isinstance(datamodule, UnpairedDataModule):
            raise UserError(
                f"{type(self).__name__} needs two-domain data, not {type(datamodule).__name__}: {TWO_DOMAIN_ADVICE}"
            )

    def on_fit_start(self) -> None:
        a, b = self.trainer.datamodule.fixed_images(self.fixed_a.shape[0])
        self.fixed_a.copy_(a)
        self.fixed_b.copy_(b)

    @torch.no_grad()
    def translate(self, x: Tensor, direction: Direction = "a2b", ema: bool = True) -> Tensor:
        """Translates [−1, 1] images A → B (``a2b``) or B → A (``b2a``), in eval mode, as float32; uses the EMA
        generators when there are some and ``ema`` is true."""
        if direction not in DIRECTIONS:
            raise UserError(f"direction must be a2b or b2a, got {direction!r}")
        net = self.sampling_generator(ema)[direction]
        was_training = net.training
        net.eval()
        try:
            return net(x.to(self.device, self.dtype)).float()
        finally:
            net.train(was_training)

    def forward(self, x: Tensor, direction: Direction = "a2b") -> Tensor:
        """Translates with the training generators."""
        return self.generator[direction](x)

    def predict_step(self, batch: Any, batch_idx: int) -> Tensor:
        """``ganzoo predict``: the A images of the batch translated to B."""
        return self.translate(batch[0], "a2b")

    def progress_samples(self) -> Tensor:
        """Rows of triplets A | G(A) | F(G(A)) for the fixed A test images, then B | F(B) | G(F(B))."""
        fake_b, fake_a = self.translate(self.fixed_a, "a2b"), self.translate(self.fixed_b, "b2a")
        rec_a, rec_b = self.translate(fake_b, "b2a"), self.translate(fake_a, "a2b")
        triplets_a = torch.stack([self.fixed_a, fake_b, rec_a], dim=1).flatten(0, 1)
        triplets_b = torch.stack([self.fixed_b, fake_a, rec_b], dim=1).flatten(0, 1)
        return torch.cat([triplets_a, triplets_b])

    def progress_grid_rows(self) -> int:
        # Whole triplets per row, as many as keep the grid roughly square and A's rows apart from B's.
        n = self.fixed_a.shape[0]
        target = max(1, round(math.sqrt(2 * n / 3)))
        return 3 * max(k for k in range(1, target + 1) if n % k == 0)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_load_checkpoint(checkpoint)
        # Checkpoints from before the two families were split carry the noise GANs' zero-width latents.
        checkpoint.get("state_dict", {}).pop("fixed_z", None)
