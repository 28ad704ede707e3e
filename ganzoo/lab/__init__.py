"""The GAN notes as runnable experiments: ``ganzoo lab NAME`` runs one on ganzoo's own models in minutes on a CPU,
prints its numbers, and writes its figures (PNG) and a JSON of its numbers and settings.

Each experiment is a module of this package registered with :func:`experiment`, naming the section of the notes whose
claim it shows; ``docs/theory.md`` walks the notes with their figures (``make lab`` regenerates them).
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganzoo.registry import import_submodules

#: An experiment: (output folder, tiny) → its numbers. ``tiny`` makes it a seconds-long smoke version for tests.
ExperimentFn = Callable[[Path, bool], dict[str, Any]]


@dataclass(frozen=True)
class Experiment:
    name: str
    section: str
    claim: str
    fn: ExperimentFn

    @property
    def fingerprint(self) -> str:
        """A hash of the experiment's source: a committed figure made by other code is stale."""
        return hashlib.sha256(inspect.getsource(inspect.getmodule(self.fn)).encode()).hexdigest()[:12]


_EXPERIMENTS: dict[str, Experiment] = {}


def experiment(name: str, section: str, claim: str) -> Callable[[ExperimentFn], ExperimentFn]:
    """Registers an experiment under ``name``, with the notes' section and the claim it shows."""

    def decorate(fn: ExperimentFn) -> ExperimentFn:
        _EXPERIMENTS[name] = Experiment(name, section, claim, fn)
        return fn

    return decorate


def experiments() -> dict[str, Experiment]:
    """Every experiment, in the notes' order (each module of this package is imported first)."""
    import_submodules(__name__, __path__)
    return dict(sorted(_EXPERIMENTS.items(), key=lambda item: (item[1].section, item[0])))


def run(name: str, out: Path, tiny: bool = False) -> dict[str, Any]:
    """Runs one experiment into ``out``: its figures and ``<name>.json`` (numbers, section, claim, fingerprint)."""
    import time

    import torch

    entry = experiments()[name]
    torch.manual_seed(0)
    start = time.perf_counter()
    numbers = entry.fn(out, tiny)
    seconds = round(time.perf_counter() - start, 1)
    result = {"experiment": name, "section": entry.section, "claim": entry.claim, "tiny": tiny,
              "fingerprint": entry.fingerprint, "seconds": seconds, **numbers}  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=1, default=float) + "\n")
    return result
