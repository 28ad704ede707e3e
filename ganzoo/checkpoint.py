"""Loading trained models from checkpoints without running code from them."""

from __future__ import annotations

import inspect
from pathlib import Path

import torch

from ganzoo.errors import UserError


def _model_classes() -> dict[str, type]:
    from ganzoo.models import TwoPlayerModule
    from ganzoo.registry import models

    models()  # every registered model imported
    found, stack = {}, [TwoPlayerModule]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            found[f"{sub.__module__}.{sub.__qualname__}"] = sub
            found.setdefault(f"ganzoo.models.{sub.__qualname__}", sub)
            stack.append(sub)
    return found


def load_model(path: str | Path, map_location: str | torch.device = "cpu"):
    """Rebuilds the model saved in a ganzoo checkpoint, in eval mode.

    The file is read with ``torch.load(weights_only=True)``, so a crafted pickle cannot execute code, and the model
    class must be an already imported subclass of :class:`~ganzoo.models.TwoPlayerModule`.
    """
    from lightning.pytorch.cli import instantiate_module

    path = Path(path)
    if not path.is_file():
        raise UserError(f"checkpoint {path} does not exist; give the path of a .ckpt file (runs/*/checkpoints/)")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise UserError(f"refusing to load {path}: it is not a weights-only ganzoo checkpoint ({reason})") from err
    hparams = dict(ckpt.get("hyper_parameters") or {})
    hparams.pop("_instantiator", None)
    class_path = hparams.pop("_class_path", None)
    cls = _model_classes().get(class_path or "")
    if cls is None:
        raise UserError(f"{path} holds {class_path!r}, which is not a ganzoo model; load it with its own code")
    state_dict = dict(ckpt["state_dict"])
    _upgrade(cls, hparams, state_dict)
    model = instantiate_module(cls, hparams)
    model.load_state_dict(state_dict)
    state = ckpt.get("ganzoo", {})
    model.d_steps, model.g_steps = state.get("d_steps", 0), state.get("g_steps", 0)
    model.images_seen = state.get("images_seen", 0)
    return model.eval()


def _upgrade(cls: type, hparams: dict, state_dict: dict) -> None:
    """Reads checkpoints written before the noise and translation families were split: every model then took
    ``num_classes`` (the data's, conditional or not), and CycleGAN carried a zero-width latent."""
    from ganzoo.models import GAN, TranslationGAN

    if issubclass(cls, GAN) and "num_classes" not in inspect.signature(cls.__init__).parameters:
        hparams.pop("num_classes", None)
    if issubclass(cls, TranslationGAN):
        for key in ("num_classes", "latent_dim"):
            hparams.pop(key, None)
        state_dict.pop("fixed_z", None)
