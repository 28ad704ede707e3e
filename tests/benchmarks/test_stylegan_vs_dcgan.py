"""stylegan_vs_dcgan.py passes each model its own extra ``ganzoo fit`` arguments."""

import argparse
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import stylegan_vs_dcgan  # noqa: E402


def test_each_model_gets_its_own_overrides_as_cli_arguments(monkeypatch):
    overrides = stylegan_vs_dcgan.parse_overrides(
        ["stylegan_lite:model.mapping_layers=2", "stylegan_lite:model.d_architecture=orig"], ["stylegan_lite", "dcgan"]
    )
    assert overrides == {"stylegan_lite": ["model.mapping_layers=2", "model.d_architecture=orig"], "dcgan": []}
    monkeypatch.setattr(stylegan_vs_dcgan, "run_cli", lambda args: args)
    args = argparse.Namespace(minutes=None, cpu_minutes=None, kimg=1.0, data_root="data", seed=0, accelerator="cpu")
    cli_args = stylegan_vs_dcgan.train("stylegan_lite", args, "root", overrides["stylegan_lite"])
    assert cli_args[-2:] == ["--model.mapping_layers=2", "--model.d_architecture=orig"]


@pytest.mark.parametrize("item", ["mapping_layers=2", "dcgan:model.x=1", "stylegan_lite:model.x"])
def test_a_malformed_override_is_refused(item):
    with pytest.raises(ValueError, match="MODEL:KEY=VALUE"):
        stylegan_vs_dcgan.parse_overrides([item], ["stylegan_lite"])


def test_the_learning_rates_that_ran_are_recorded():
    params = [torch.nn.Parameter(torch.zeros(1))]
    trainer = argparse.Namespace(optimizers=[torch.optim.Adam(params, lr=5e-3), torch.optim.Adam(params, lr=2e-4)])
    assert stylegan_vs_dcgan.learning_rates(trainer) == {"g": 5e-3, "d": 2e-4}
