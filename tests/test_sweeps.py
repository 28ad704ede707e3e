"""The W&B sweep files: every parameter value is a valid ganzoo option landing where it should, the agent's command
is built as ``wandb agent`` builds it, and one sampled run trains offline."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ganzoo.cli import main
from ganzoo.sweep_dryrun import agent_command, distribution, load, sample, sample_value
from tests.conftest import REPO, TINY

SWEEPS = sorted((REPO / "configs" / "sweeps").glob("*.yaml"))


def test_there_are_sweeps_for_dcgan_and_wgan_gp():
    assert {"dcgan", "wgan_gp"} <= {p.stem for p in SWEEPS}


def _candidates(spec: dict[str, Any]) -> list[Any]:
    """Every listed value, or both ends of a range, of one parameter."""
    kind = distribution(spec)
    if kind == "constant":
        return [spec["value"]]
    if kind == "categorical":
        return list(spec["values"])
    if kind in ("log_uniform", "q_log_uniform"):
        return [math.exp(spec["min"]), math.exp(spec["max"])]
    if "min" in spec:
        return [spec["min"], spec["max"]]
    return [spec.get("mu", 0.0)]


def _lookup(config: dict, dotted: str) -> Any:
    """``model.n_critic`` in a printed config, where class arguments sit under ``init_args``."""
    node = config
    for key in dotted.split("."):
        if key not in node and "init_args" in node:
            node = node["init_args"]
        node = node[key]
    return node


@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_every_parameter_value_is_accepted_by_the_cli(path, capsys):
    sweep = load(path)
    candidates = {name: _candidates(spec) for name, spec in sweep["parameters"].items()}
    for i in range(max(map(len, candidates.values()))):  # together these use every value and both ends of a range
        values = {name: options[i % len(options)] for name, options in candidates.items()}
        argv = agent_command(sweep, values)
        assert argv[:3] == ["/usr/bin/env", "ganzoo", "fit"]
        assert "--trainer.logger=lightning.pytorch.loggers.WandbLogger" in argv
        with pytest.raises(SystemExit) as done:  # jsonargparse rejects unknown keys and ill-typed values
            main([*argv[2:], "--print_config"])
        out, err = capsys.readouterr()
        assert done.value.code in (0, None), err[-2000:]
        config = yaml.safe_load(out)
        for name, value in values.items():
            printed = _lookup(config, name)
            assert (list(printed) if isinstance(value, list) else printed) == value, name


def test_sampling_follows_the_distributions():
    specs = {
        "c": {"values": ["a", "b"]},
        "k": {"value": 3},
        "i": {"min": 1, "max": 5},
        "u": {"min": 0.5, "max": 1.5},
        "lv": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1e-1},
        "qlv": {"distribution": "q_log_uniform_values", "min": 8, "max": 256, "q": 8},
        "qu": {"distribution": "q_uniform", "min": 0.0, "max": 1.0, "q": 0.25},
    }
    draws = [sample({"parameters": specs}, seed) for seed in range(400)]
    column = {name: [d[name] for d in draws] for name in specs}
    assert set(column["c"]) == {"a", "b"} and set(column["k"]) == {3}
    assert set(column["i"]) == {1, 2, 3, 4, 5} and all(isinstance(x, int) for x in column["i"])
    assert all(0.5 <= x <= 1.5 and isinstance(x, float) for x in column["u"])
    logs = sorted(math.log10(x) for x in column["lv"])
    assert logs[0] >= -5 and logs[-1] <= -1 and abs(logs[len(logs) // 2] + 3) < 0.4  # log-uniform: median 1e-3
    assert all(isinstance(x, int) and x % 8 == 0 and 8 <= x <= 256 for x in column["qlv"])
    assert set(column["qu"]) <= {0.0, 0.25, 0.5, 0.75, 1.0}
    assert sample({"parameters": specs}, 1) == sample({"parameters": specs}, 1) != sample({"parameters": specs}, 2)
    with pytest.raises(Exception, match="unknown distribution"):
        sample_value({"distribution": "beta"}, None)


def test_the_agents_macros_are_expanded_like_wandb_agent(monkeypatch):
    monkeypatch.setenv("GANZOO_TEST_ROOT", "/data")
    sweep = {
        "program": "train.py",
        "command": ["${env}", "${interpreter}", "${program}", "--root=${envvar:GANZOO_TEST_ROOT}", "${args_no_hyphens}",
                    "${args}", "${args_json}"],
    }  # fmt: skip
    argv = agent_command(sweep, {"model.lr": 0.001, "model.betas": [0.5, 0.9], "x": True})
    assert argv == [
        "/usr/bin/env", "python", "train.py", "--root=/data", "model.lr=0.001", "model.betas=[0.5, 0.9]", "x=True",
        "--model.lr=0.001", "--model.betas=[0.5, 0.9]", "--x=True",
        '{"model.lr": 0.001, "model.betas": [0.5, 0.9], "x": true}',
    ]  # fmt: skip
    # Without a command, the agent runs `${env} ${interpreter} ${program} ${args}`.
    assert agent_command({"program": "train.py"}, {"a": 1}) == ["/usr/bin/env", "python", "train.py", "--a=1"]


@pytest.mark.slow
@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_one_sampled_run_trains_offline(path, shared_data):
    overrides = [*TINY, f"--data.root={shared_data}", "--model.base_channels=8", "--trainer.max_epochs=1"]
    result = subprocess.run(
        [sys.executable, "-m", "ganzoo.sweep_dryrun", str(path), "--run", "--seed", "0", "--", *overrides],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    command = result.stdout.splitlines()[0]
    values = sample(load(path), 0)
    assert all(f"--{name}=" in command for name in values)
    runs = list(Path("runs").glob("*-mnist/version_0"))
    assert len(runs) == 1, runs
    config = yaml.safe_load((runs[0] / "config.yaml").read_text())  # what the CLI ran with
    for name, value in values.items():
        printed = _lookup(config, name)
        assert (list(printed) if isinstance(value, list) else printed) == pytest.approx(value), name
    assert list(runs[0].glob("wandb/offline-run-*/run-*.wandb"))  # the W&B run, for `wandb sync`
    assert (runs[0] / "checkpoints" / "last.ckpt").exists()
