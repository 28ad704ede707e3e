"""Without a chosen profiler a run uses NoProfiler (Lightning's pass-through, cheaper per hook); a chosen one wins."""

from __future__ import annotations

from lightning.pytorch.profilers import PassThroughProfiler, SimpleProfiler

from ganzoo.cli import expand_aliases
from ganzoo.lightning_cli import run_cli
from ganzoo.profiling import NoProfiler
from tests.conftest import TINY

FIT = ["fit", "--model=dcgan", "--data=digits", "--data.image_size=16", "--model.base_channels=8", *TINY]


def test_a_run_without_a_chosen_profiler_records_nothing_at_no_cost():
    profiler = run_cli(expand_aliases(FIT)).trainer.profiler
    assert type(profiler) is NoProfiler and isinstance(profiler, PassThroughProfiler)
    with profiler.profile("[Callback]X.on_train_batch_end") as entered, profiler.profile("nested"):
        assert entered is None
    assert profiler.summary() == ""


def test_a_chosen_profiler_replaces_it():
    assert type(run_cli(expand_aliases([*FIT, "--trainer.profiler=simple"])).trainer.profiler) is SimpleProfiler
