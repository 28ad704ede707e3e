"""The 2D toy settings the lab's training experiments share: the ring of 8 Gaussians and MLP players."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lightning as L
import torch

from ganzoo.data import RingData
from ganzoo.lab.recording import Record, train_recorded
from ganzoo.models import GAN, VanillaGAN
from ganzoo.models.base import adam as models_adam


def adam(lr: float, beta1: float = 0.5, beta2: float = 0.999) -> dict[str, Any]:
    return models_adam(lr, (beta1, beta2))


def sgd(lr: float) -> dict[str, Any]:
    return {"class_path": "torch.optim.SGD", "init_args": {"lr": lr}}


def ring(batch_size: int = 256, std: float = 0.05) -> RingData:
    """The ring of 8 Gaussians; σ = 0.05 (5× the benchmark's), so "within 3σ of a mode" reads as "looks right"."""
    return RingData(num_samples=20_000, batch_size=batch_size, std=std)


def toy_gan(cls: type[GAN] = VanillaGAN, **settings: Any) -> GAN:
    """A GAN on the 2D ring with small tanh MLPs (the VEEGAN networks, narrower), ``settings`` overriding."""
    defaults = {"g_hidden": (128, 128), "d_hidden": (128, 128), "activation": "tanh", "latent_dim": 64,
                "optimizer_g": adam(1e-3), "optimizer_d": adam(1e-4)}  # fmt: skip
    return cls(data_shape=(2,), **(defaults | settings))


def same_start(model: GAN, template: GAN) -> GAN:
    """``model`` with ``template``'s weights: two runs that differ only in their settings start alike."""
    model.load_state_dict(template.state_dict())
    return model


def pretrain_discriminator(model: GAN, data: RingData, steps: int, lr: float = 1e-3) -> None:
    """``steps`` of D alone against the untrained G: D gets ahead before the game starts."""
    data.setup("fit")
    loader = iter(data.train_dataloader())
    optimizer = torch.optim.Adam(model.discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    for _ in range(steps):
        try:
            batch = next(loader)
        except StopIteration:
            loader = iter(data.train_dataloader())
            batch = next(loader)
        loss = model.discriminator_loss(batch)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def train_each(builders: dict[str, Callable[[], GAN]], steps: int, snapshots: int = 6) -> dict[str, Record]:
    """Each model built from seed 0 and trained on the ring for ``steps`` generator steps: runs that differ only in
    their settings."""
    records = {}
    for name, build in builders.items():
        L.seed_everything(0, verbose=False)
        records[name] = train_recorded(build(), ring(), steps, snapshots=snapshots, every=5)
    return records
