"""The private Lightning attributes ganzoo relies on (``ganzoo.lightning_compat``): each test names the attribute,
so a Lightning release that moves one fails here, loudly, instead of silently changing training."""

from __future__ import annotations

import os

import lightning as L
import pytest
from lightning.pytorch.strategies import DDPStrategy

from ganzoo import lightning_compat
from ganzoo.data import RingData
from ganzoo.lightning_compat import attached_trainer, drop_initial_hparam, find_unused_parameters, logging_due
from ganzoo.models import VanillaGAN
from tests.conftest import fit_briefly


class Agreement(L.Callback):
    """Compares ``logging_due`` with Lightning's own (private) decision at every training batch."""

    def __init__(self) -> None:
        self.ours: list[bool] = []
        self.lightnings: list[bool] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        connector = trainer._logger_connector
        assert hasattr(connector, "should_update_logs"), "Lightning moved _logger_connector.should_update_logs"
        self.ours.append(logging_due(trainer, pl_module.d_steps))
        self.lightnings.append(connector.should_update_logs)


@pytest.mark.parametrize("every", [1, 3])
def test_logging_due_agrees_with_lightnings_own_schedule(every):
    model = VanillaGAN(data_shape=(2,), g_hidden=(8,), d_hidden=(8,))
    probe = Agreement()
    fit_briefly(model, RingData(num_samples=512, batch_size=64), batches=7, callbacks=[probe], log_every_n_steps=every)
    assert probe.ours == probe.lightnings and sum(probe.ours) >= 2


def test_dropping_an_initial_hparam_removes_it_from_what_loggers_see():
    model = VanillaGAN(data_shape=(2,))
    assert "loss" in model.hparams_initial, "Lightning renamed _hparams_initial"
    drop_initial_hparam(model, "loss")
    assert "loss" not in model.hparams_initial


def test_ddp_strategies_still_hold_their_kwargs_privately():
    strategy = DDPStrategy()
    assert isinstance(strategy._ddp_kwargs, dict), "Lightning renamed DDPStrategy._ddp_kwargs"
    find_unused_parameters(strategy)
    assert strategy._ddp_kwargs["find_unused_parameters"] is True
    chosen = DDPStrategy(find_unused_parameters=False)
    find_unused_parameters(chosen)
    assert chosen._ddp_kwargs["find_unused_parameters"] is False


def test_attached_trainer_is_none_outside_a_trainer():
    model = VanillaGAN(data_shape=(2,))
    assert attached_trainer(model) is None
    trainer = L.Trainer(logger=False, enable_checkpointing=False)
    trainer.strategy.connect(model)
    model.trainer = trainer
    assert attached_trainer(model) is trainer


def test_batches_done_and_fitting_read_lightnings_progress():
    from ganzoo.lightning_compat import batches_done, fitting

    class Probe(L.Callback):
        seen: list = []

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
            self.seen.append((batches_done(trainer), batch_idx + 1, fitting(pl_module)))

    model = VanillaGAN(data_shape=(2,), g_hidden=(8,), d_hidden=(8,))
    probe = Probe()
    fit_briefly(model, RingData(num_samples=512, batch_size=64), batches=3, callbacks=[probe])
    assert probe.seen == [(1, 1, True), (2, 2, True), (3, 3, True)]


@pytest.mark.parametrize("nvml_loads", [False, True])
def test_the_nvml_probe_lightning_asks_for_is_dropped_only_where_nvml_is_missing(monkeypatch, nvml_loads):
    def load(name: str) -> None:
        if not nvml_loads:
            raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(lightning_compat.ctypes, "CDLL", load)
    monkeypatch.setenv("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    lightning_compat.skip_missing_nvml_probe()
    assert (os.environ.get("PYTORCH_NVML_BASED_CUDA_CHECK") == "1") is nvml_loads
