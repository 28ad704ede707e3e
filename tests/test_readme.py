"""Every ``ganzoo`` command the README shows runs as written, offline: the code blocks' commands and the command
table's concrete ones. Placeholders (``...``, ``CKPT``, a run's checkpoint) become a tiny checkpoint of the right
model, folders the README names are created, and ``fit`` gets a few-batch budget appended (flags only limit the run,
none changes what the command does). The few that cannot run here say why in SKIPPED."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ganzoo.cli import main
from tests.conftest import REPO, SHARED_DATA, TINY_MODEL, write_domains, write_images

INCEPTION = SHARED_DATA / "fid" / "pt_inception-2015-12-05-nofc-fidhelper.pth"
#: Appended to every fit: a few batches, no metrics (the metrics have their own tests).
BUDGET = ["--trainer.max_epochs=1", "--trainer.limit_train_batches=2", "--trainer.limit_val_batches=1",
          "--trainer.enable_progress_bar=false", "--metrics.metrics=[]"]  # fmt: skip
#: Commands that cannot run on this machine, and why.
SKIPPED = {
    "--data celeba": "CelebA cannot be downloaded here",
    "--trainer.accelerator gpu": "no GPU here",
    "--n-fake 50000": "an Inception FID-50k takes half an hour on a CPU",
    "--drs 20000": "20,000 discriminator refitting steps take minutes; --drs has its own tests",
}


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```\n(.*?)```", text, flags=re.S)
    lines = [re.split(r"\s+#\s", line)[0].strip() for block in blocks for line in block.splitlines()]
    table = re.findall(r"^\| `(ganzoo [^`]*)` \|", text, flags=re.M)
    commands = [c for c in lines + table if c.startswith("ganzoo ") and not re.search(r"\[|\bM\b|\bD\b|PATH|DIR\b", c)]
    return list(dict.fromkeys(commands))


def checkpoint_for(command: str, where: Path, data: Path) -> str:
    """A tiny trained checkpoint of the model the command needs."""
    if "cyclegan" in command or "--input" in command:
        model = ["--model", "cyclegan", "--data", "mnist_usps", f"--data.root={data}", "--data.batch_size=8",
                 *TINY_MODEL["cyclegan"], "--model.n_blocks=1"]  # fmt: skip
    elif "--truncation" in command or "--style-mixing" in command:
        model = ["--model", "stylegan_lite", "--data", "digits", "--data.image_size=16", *TINY_MODEL["stylegan_lite"]]
    else:
        model = ["--model", "dcgan", "--data", "mnist", f"--data.root={data}", "--data.image_size=32",
                 *TINY_MODEL["dcgan"]]  # fmt: skip
    main(["fit", *model, *BUDGET, f"--trainer.default_root_dir={where}"])
    return str(next(where.glob("*/version_0/checkpoints/last.ckpt")))


@pytest.mark.slow
@pytest.mark.parametrize("command", readme_commands())
def test_every_readme_command_runs_as_written(command, tmp_path, monkeypatch, shared_data):
    for marker, reason in SKIPPED.items():
        if marker in command:
            pytest.skip(reason)
    monkeypatch.setenv("GANZOO_DATA_ROOT", str(shared_data))
    if INCEPTION.is_file():
        monkeypatch.setenv("GANZOO_INCEPTION_WEIGHTS", str(INCEPTION))
    Path("configs").symlink_to(REPO / "configs")
    args = shlex.split(command)[1:]
    if any(a in ("...", "CKPT") or a.startswith("runs/") for a in args):
        ckpt = checkpoint_for(command, tmp_path / "trained", shared_data)
        args = [ckpt if a in ("...", "CKPT") or a.startswith("runs/") else a for a in args]
    if "horse2zebra" in args:
        write_domains(Path("horse2zebra"))
    if "my_horses/" in args:
        write_images(Path("my_horses"), 3, size=(40, 40))
    if args[0] == "fid":
        main(["sample", "--ckpt", checkpoint_for(command, tmp_path / "trained", shared_data), "--n", "20",
              "--format", "npz", "--out", args[1]])  # fmt: skip
        write_images(Path(args[2]), 20, size=(32, 32))
    if args[0] == "fit" and not {"--print_config", "--model.help"} & set(args):
        args += BUDGET
    try:
        main(args)
    except SystemExit as stop:  # --help and --print_config exit 0 through argparse
        assert stop.code in (0, None), command
