"""Checkpoints: written atomically (whole or not at all), and loaded without running code from them."""

from __future__ import annotations

import inspect
import io
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins import TorchCheckpointIO

from ganzoo.errors import UserError


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes each checkpoint to a temporary file beside its target, flushes it to disk, then renames it into place:
    a save that fails (a full disk, a kill) leaves the previous files as they were and no partial ``.ckpt``, so
    ``last.ckpt`` never links to a truncated file. (Lightning's own save stages the bytes in the system's temporary
    directory and *moves* them, a copy when that is another filesystem.) Other filesystems (``s3://``, …) keep
    Lightning's path."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        if "://" in str(path) or storage_options is not None:
            return super().save_checkpoint(checkpoint, path, storage_options)
        try:
            save_atomically(checkpoint, Path(path))
        except OSError as err:
            raise UserError(f"could not write the checkpoint {path} ({err.strerror or err}); the earlier "
                            "checkpoints are intact: free space or set --checkpoint.dirpath") from err  # fmt: skip


def save_atomically(value: Any, path: Path) -> None:
    """``torch.save`` of ``value`` to ``path``, whole or not at all."""
    buffer = io.BytesIO()
    torch.save(value, buffer)
    write_atomically(buffer.getbuffer(), path)


def read_checkpoint(path: Path, label: str = "checkpoint", map_location: Any = "cpu", mmap: bool = False) -> dict:
    """A checkpoint read with ``torch.load(weights_only=True)``, so a crafted pickle cannot execute code; a missing,
    empty, truncated or pickled file is a one-line :class:`UserError` that names it as ``label``. ``mmap`` leaves the
    tensors on disk (for a look at the hyper-parameters)."""
    import zipfile

    if path.is_dir():
        inside = newest_checkpoint_file(path.glob("**/"))
        example = f", e.g. {inside}" if inside else " (runs/*/checkpoints/)"
        raise UserError(f"{label} {path} is a folder; give the path of a .ckpt file{example}")
    if not path.is_file():
        raise UserError(f"{label} {path} does not exist; give the path of a .ckpt file (runs/*/checkpoints/)")
    if not zipfile.is_zipfile(path):  # torch.save writes a zip archive whose directory comes last
        what = "is empty" if path.stat().st_size == 0 else "is not a whole checkpoint (truncated, or another file)"
        raise UserError(f"{label} {path} {what}; give a .ckpt that `ganzoo fit` wrote (runs/*/checkpoints/)")
    try:
        return torch.load(path, map_location=map_location, weights_only=True, mmap=mmap)
    except Exception as err:  # noqa: BLE001  (pickled objects beyond tensors and plain data: refused, never run)
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise UserError(f"refusing to load {path}: it is not a weights-only ganzoo checkpoint ({reason})") from err


def write_atomically(data: bytes | memoryview, path: Path) -> None:
    """``path`` holds ``data`` afterwards, or is unchanged: never a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
        _sync_folder(path.parent)  # the rename itself survives a power loss
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _sync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on every platform
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _model_classes() -> dict[str, type]:
    from ganzoo.models import TwoPlayerModule
    from ganzoo.registry import models

    # Every path a checkpoint may record: the registered one, the module's, and the package's re-export.
    found = {entry.class_path: entry.cls for entry in models().values()}
    stack: list[type] = [TwoPlayerModule]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            found[f"{sub.__module__}.{sub.__qualname__}"] = sub
            package = sub.__module__.rpartition(".")[0]
            if package and getattr(sys.modules.get(package), sub.__name__, None) is sub:
                found.setdefault(f"{package}.{sub.__name__}", sub)
            stack.append(sub)
    return found


def load_model(path: str | Path, map_location: str | torch.device = "cpu"):
    """Rebuilds the model saved in a ganzoo checkpoint, in eval mode.

    The file is read with ``torch.load(weights_only=True)``, so a crafted pickle cannot execute code, and the model
    class must be an already imported subclass of :class:`~ganzoo.models.TwoPlayerModule`.
    """
    from lightning.pytorch.cli import instantiate_module

    path = Path(path)
    ckpt = read_checkpoint(path, map_location=map_location)
    hparams = dict(ckpt.get("hyper_parameters") or {})
    hparams.pop("_instantiator", None)
    class_path = hparams.pop("_class_path", None)
    cls = _model_classes().get(class_path or "")
    if cls is None:
        raise UserError(f"{path} holds {class_path!r}, which is not a ganzoo model; load it with its own code")
    _upgrade(cls, hparams)
    model = instantiate_module(cls, hparams)
    ckpt["state_dict"] = dict(ckpt["state_dict"])
    model.on_load_checkpoint(ckpt)  # the counters (and what a model drops from old checkpoints), as on resume
    model.load_state_dict(ckpt["state_dict"])
    return model.eval()


def _upgrade(cls: type, hparams: dict) -> None:
    """Reads the hyper-parameters of checkpoints written before the noise and translation families were split: every
    model then took ``num_classes`` (the data's, conditional or not), and CycleGAN a zero ``latent_dim``."""
    from ganzoo.models import GAN, TranslationGAN

    if issubclass(cls, GAN) and "num_classes" not in inspect.signature(cls.__init__).parameters:
        hparams.pop("num_classes", None)
    if issubclass(cls, TranslationGAN):
        for key in ("num_classes", "latent_dim"):
            hparams.pop(key, None)


def newest_checkpoint_file(folders: Iterable[Path]) -> Path | None:
    """The most recently written ``.ckpt`` file in ``folders`` (links such as ``last.ckpt`` skipped), else None."""
    files = [file for folder in folders for file in folder.glob("*.ckpt") if file.is_file() and not file.is_symlink()]
    return max(files, key=lambda file: file.stat().st_mtime) if files else None
