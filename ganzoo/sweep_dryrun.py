"""Check a W&B sweep file offline: sample one configuration, build the command as ``wandb agent`` would, and run it.

    python -m ganzoo.sweep_dryrun configs/sweeps/dcgan.yaml                 # print the command of one sample
    python -m ganzoo.sweep_dryrun configs/sweeps/dcgan.yaml --run --seed 3  # and run it with WANDB_MODE=offline
    python -m ganzoo.sweep_dryrun configs/sweeps/dcgan.yaml --run -- --trainer.max_steps=20   # extra arguments

``wandb sweep`` needs the W&B server (which samples the parameters); this tool does the agent's side without it. The
sampling follows W&B's documented distributions; the command is expanded with wandb's own helpers and the agent's
macros (``${env}``, ``${interpreter}``, ``${program}``, ``${args}``, ``${args_no_hyphens}``, ``${args_json}``, …).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from ganzoo.errors import UserError

_DISTRIBUTIONS = (
    "constant", "categorical", "int_uniform", "uniform", "q_uniform", "log_uniform", "log_uniform_values",
    "q_log_uniform", "q_log_uniform_values", "inv_log_uniform", "inv_log_uniform_values", "normal", "q_normal",
    "log_normal", "q_log_normal",
)  # fmt: skip


def distribution(spec: dict[str, Any]) -> str:
    """The distribution of a parameter spec, with W&B's defaults when it names none."""
    if "distribution" in spec:
        if spec["distribution"] not in _DISTRIBUTIONS:
            raise UserError(f"unknown distribution {spec['distribution']!r}; W&B has {', '.join(_DISTRIBUTIONS)}")
        return spec["distribution"]
    if "value" in spec:
        return "constant"
    if "values" in spec:
        return "categorical"
    if "min" in spec and "max" in spec:
        ints = isinstance(spec["min"], int) and isinstance(spec["max"], int)
        return "int_uniform" if ints else "uniform"
    if "mu" in spec or "sigma" in spec:
        return "normal"
    raise UserError(f"cannot tell the distribution of {spec}; give value, values, min/max or a distribution")


def sample_value(spec: dict[str, Any], rng: random.Random) -> Any:
    """One draw from a W&B parameter spec (``values``/``value``/``distribution`` with min, max, q, mu, sigma)."""
    kind = distribution(spec)
    if "parameters" in spec:
        raise UserError("nested sweep parameters become a dict in wandb.config, not command-line arguments")
    if kind == "constant":
        return spec["value"]
    if kind == "categorical":
        return rng.choices(spec["values"], weights=spec.get("probabilities"))[0]
    if kind == "int_uniform":
        return rng.randint(int(spec["min"]), int(spec["max"]))
    lo, hi = spec.get("min"), spec.get("max")
    base = kind.removeprefix("q_")
    if base == "uniform":
        x = rng.uniform(lo, hi)
    elif base == "log_uniform":  # min and max are natural logarithms
        x = math.exp(rng.uniform(lo, hi))
    elif base == "log_uniform_values":
        x = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    elif base == "inv_log_uniform":
        x = math.exp(-rng.uniform(lo, hi))
    elif base == "inv_log_uniform_values":
        x = 1 / math.exp(rng.uniform(math.log(1 / hi), math.log(1 / lo)))
    elif base == "normal":
        x = rng.gauss(spec.get("mu", 0.0), spec.get("sigma", 1.0))
    else:  # log_normal
        x = math.exp(rng.gauss(spec.get("mu", 0.0), spec.get("sigma", 1.0)))
    if kind.startswith("q_"):
        q = spec.get("q", 1)
        x = round(x / q) * q
        if isinstance(q, int):
            x = int(x)
    return x


def sample(sweep: dict[str, Any], seed: int | None = None) -> dict[str, Any]:
    """One value per parameter of the sweep, in the file's order."""
    rng = random.Random(seed)
    return {name: sample_value(spec or {}, rng) for name, spec in (sweep.get("parameters") or {}).items()}


def agent_command(sweep: dict[str, Any], values: dict[str, Any], args_json_file: str | None = None) -> list[str]:
    """The argv ``wandb agent`` runs for ``values``: wandb's own macro and argument helpers, then the agent's
    substitution of whole-word macros (``wandb/wandb_agent.py``: ``Agent._command_run``)."""
    from wandb.sdk.launch.sweeps.utils import create_sweep_command, create_sweep_command_args

    command = create_sweep_command(list(sweep["command"]) if sweep.get("command") else None)
    macros: dict[str, Any] = create_sweep_command_args({"args": {k: {"value": v} for k, v in values.items()}})
    macros |= {"interpreter": ["python"], "program": [sweep.get("program", "")], "env": ["/usr/bin/env"]}
    macros["args_json_file"] = [args_json_file or "args.json"]
    argv: list[str] = []
    for chunk in map(str, command):
        if chunk.startswith("${") and chunk.endswith("}"):
            argv += macros.get(chunk[2:-1]) or []
        else:
            argv.append(chunk)
    return argv


def load(path: str | Path) -> dict[str, Any]:
    """A sweep file, checked for what the agent needs."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"sweep file {path} does not exist")
    sweep = yaml.safe_load(path.read_text()) or {}
    if not isinstance(sweep.get("parameters"), dict) or not sweep["parameters"]:
        raise UserError(f"{path} has no parameters")
    return sweep


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(prog="python -m ganzoo.sweep_dryrun", description=__doc__.split("\n")[0])
    parser.add_argument("sweep", help="sweep YAML file")
    parser.add_argument("--seed", type=int, default=None, help="seed of the sampled configuration")
    parser.add_argument("--run", action="store_true", help="run the command with WANDB_MODE=offline")
    opts = parser.parse_args(argv)
    try:
        sweep = load(opts.sweep)
        values = sample(sweep, opts.seed)
        with tempfile.TemporaryDirectory() as tmp:
            json_file = str(Path(tmp) / "args.json")
            Path(json_file).write_text(json.dumps(values))
            command = agent_command(sweep, values, json_file) + extra
            print(shlex.join(command), flush=True)
            if not opts.run:
                return 0
            # The agent runs in the environment where ganzoo is installed: put this interpreter's scripts first.
            bin_dir = str(Path(sys.executable).parent)
            env = {**os.environ, "WANDB_MODE": "offline", "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
            return subprocess.run(command, env=env).returncode
    except UserError as err:
        print(f"ganzoo.sweep_dryrun: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
