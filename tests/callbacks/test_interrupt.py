"""ganzoo/callbacks/interrupt.py: the resume hint printed beside an interrupted run's checkpoint. (The signal
handling itself, end to end through the ``ganzoo`` command, is in tests/test_robustness.py.)"""

from pathlib import Path

from ganzoo.callbacks import SaveOnInterrupt
from ganzoo.callbacks.interrupt import resume_command
from ganzoo.cli import expand_aliases
from ganzoo.lightning_cli import run_cli


def test_the_hint_repeats_the_ganzoo_command_with_only_the_checkpoint_changed():
    command = ["fit", "--model", "dcgan", "--ckpt_path", "old.ckpt", "--ckpt_path=older.ckpt", "--trainer.max_epochs=3"]
    assert resume_command(Path("runs/x/interrupted.ckpt"), command) == (
        "ganzoo fit --model dcgan --trainer.max_epochs=3 --ckpt_path=runs/x/interrupted.ckpt"
    )


def test_a_run_started_from_python_is_not_told_to_run_a_ganzoo_command_it_never_ran():
    # A benchmark or a notebook calls run_cli(args): this process's sys.argv (pytest's here) is not a ganzoo command.
    cli = run_cli(expand_aliases(["fit", "--model", "vanilla_gan", "--data", "ring", "--trainer.max_steps=2",
                                  "--trainer.limit_val_batches=0", "--metrics.metrics=[]",
                                  "--trainer.enable_progress_bar=false"]))  # fmt: skip
    (callback,) = [cb for cb in cli.trainer.callbacks if isinstance(cb, SaveOnInterrupt)]
    assert callback.command is None
    hint = resume_command(Path("a.ckpt"), callback.command)
    assert hint == "the command that started this run, with --ckpt_path=a.ckpt"
