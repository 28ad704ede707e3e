"""The progress bar is Lightning's tqdm bar, redrawn a few times a second; a bar the user chooses stays."""

from types import SimpleNamespace

from lightning.pytorch.callbacks import TQDMProgressBar

from ganzoo.callbacks import ProgressBar
from ganzoo.cli import expand_aliases
from ganzoo.lightning_cli import run_cli
from tests.conftest import TINY

ARGS = ["fit", "--model", "vanilla_gan", "--data", "digits", *[a for a in TINY if "progress_bar" not in a]]


def test_the_training_bar_is_redrawn_at_most_every_min_interval_and_at_the_last_batch(monkeypatch):
    drawn = []
    monkeypatch.setattr(TQDMProgressBar, "on_train_batch_end", lambda self, *args: drawn.append(args[-1]))
    clock = iter([0.0, 0.1, 0.2, 0.3, 0.31, 0.32, 0.9])
    monkeypatch.setattr("ganzoo.callbacks.progress.time.monotonic", lambda: next(clock))
    bar, trainer = ProgressBar(min_interval=0.25), SimpleNamespace(num_training_batches=7)
    for batch_idx in range(7):
        bar.on_train_batch_end(trainer, None, None, None, batch_idx)
    assert drawn == [0, 3, 6]  # t = 0, 0.3 (≥ 0.25 after 0), and the epoch's last batch


def test_ganzoo_fit_uses_the_quiet_bar_unless_the_user_chose_one():
    cli = run_cli(expand_aliases(ARGS))
    assert type(cli.trainer.progress_bar_callback) is ProgressBar
    chosen = run_cli(expand_aliases([*ARGS, "--trainer.callbacks+=TQDMProgressBar",
                                     "--trainer.callbacks.refresh_rate=5"]))  # fmt: skip
    assert type(chosen.trainer.progress_bar_callback) is TQDMProgressBar
    assert chosen.trainer.progress_bar_callback.refresh_rate == 5


def test_no_bar_when_the_user_turns_it_off():
    assert run_cli(expand_aliases([*ARGS, "--trainer.enable_progress_bar=false"])).trainer.progress_bar_callback is None
