"""Progress grids: samples from fixed noise, written as PNG and sent to the logger every few epochs."""

from __future__ import annotations

from pathlib import Path

import lightning as L
from lightning.pytorch.loggers import TensorBoardLogger, WandbLogger
from torch import Tensor

from ganzoo.data.toy2d import Toy2DData
from ganzoo.models.two_player import TwoPlayerModule
from ganzoo.plots import image_grid, scatter_image


class SampleGrid(L.Callback):
    """Writes ``samples/epoch=NNNN.png`` every ``every_n_epochs`` epochs and ``samples/final.png`` when fit ends,
    under the run directory, and logs the same image to TensorBoard or W&B (never per step).

    Args:
        every_n_epochs: epochs between grids (0: only the final one).
    """

    def __init__(self, every_n_epochs: int = 1) -> None:
        self.every_n_epochs = every_n_epochs
        self.last_path: Path | None = None

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.every_n_epochs and (trainer.current_epoch + 1) % self.every_n_epochs == 0:
            self.write(trainer, pl_module, f"epoch={trainer.current_epoch:04d}")

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.write(trainer, pl_module, "final")

    def write(self, trainer: L.Trainer, pl_module: TwoPlayerModule, name: str) -> Path | None:
        dm = trainer.datamodule
        # Every rank samples (no collective op inside), only rank 0 writes.
        image = progress_image(pl_module, dm.modes if isinstance(dm, Toy2DData) else None)
        log_dir = trainer.log_dir  # a collective under DDP: every rank must ask
        if not trainer.is_global_zero:
            return None
        from torchvision.utils import save_image

        folder = Path(log_dir or trainer.default_root_dir) / "samples"
        folder.mkdir(parents=True, exist_ok=True)
        self.last_path = folder / f"{name}.png"
        save_image(image, self.last_path)
        step = pl_module.g_steps
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger):
                logger.experiment.add_image("samples", image, step)
            elif isinstance(logger, WandbLogger):
                logger.log_image("samples", [image], step=None, caption=[name])
        return self.last_path


def progress_image(pl_module: TwoPlayerModule, centres: Tensor | None = None) -> Tensor:
    """The model's progress samples as one [0, 1] image: a grid for images, a scatter plot for 2D points (over the
    mode centres, when the data has them)."""
    samples = pl_module.progress_samples()
    if samples.ndim == 4:
        return image_grid(samples, nrow=pl_module.progress_grid_rows())
    return scatter_image(samples.reshape(len(samples), -1)[:, :2], centres)
