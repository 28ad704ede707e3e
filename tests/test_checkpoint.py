"""Checkpoints are written whole or not at all (ganzoo.checkpoint.AtomicCheckpointIO)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import torch

from ganzoo.checkpoint import write_atomically
from ganzoo.cli import main
from tests.conftest import TINY


def full_disk(*_args) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_failed_write_leaves_the_old_file_and_no_partial_one(monkeypatch, tmp_path):
    target = tmp_path / "a.ckpt"
    write_atomically(b"old", target)
    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(b"new and longer", target)
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["a.ckpt"]
    with pytest.raises(OSError):
        write_atomically(b"new", tmp_path / "b.ckpt")
    assert not (tmp_path / "b.ckpt").exists()


def test_a_disk_that_fills_during_a_save_keeps_every_earlier_checkpoint_whole(monkeypatch, capsys):
    saves = []

    def fsync_then_fill(fd: int) -> None:
        saves.append(fd)
        if len(saves) > 1:  # the first epoch's checkpoint is written, the second one's disk is full
            full_disk()

    monkeypatch.setattr(os, "fsync", fsync_then_fill)
    with pytest.raises(SystemExit):
        main(["fit", "--data.image_size=16", "--model.base_channels=8", *TINY, "--trainer.max_epochs=2"])
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("ganzoo: error: could not write the checkpoint") and "No space left" in line
    folder = Path("runs/dcgan-digits/version_0/checkpoints")
    files = sorted(p.name for p in folder.iterdir())
    assert [f.split("-")[0] for f in files] == ["epoch=0", "last.ckpt"], files  # no partial epoch=1, no temporary
    last = torch.load(folder / "last.ckpt", weights_only=True)
    assert last["epoch"] == 0
