"""Every constrained hyper-parameter of every shipped model: a value outside its range is one line naming the option,
raised before a network is built; the table names only parameters that exist and misses none."""

import inspect
import math

import pytest

from ganzoo.errors import UserError
from ganzoo.models.hyperparameters import RANGES, Range, check_hyperparameters
from ganzoo.registry import models

#: Numeric parameters without a range here: both are linked from the data module (CGAN checks its class count).
UNCONSTRAINED = {"data_shape", "num_classes"}


def parameters(cls: type) -> dict[str, inspect.Parameter]:
    """The ``__init__`` arguments of ``cls`` and of the ganzoo classes it passes ``**kwargs`` on to."""
    found: dict[str, inspect.Parameter] = {}
    for klass in reversed(cls.__mro__):
        if "__init__" in vars(klass) and klass.__module__.startswith("ganzoo"):
            found |= {p.name: p for p in inspect.signature(klass.__init__).parameters.values()}
    return {name: p for name, p in found.items() if name not in ("self", "kwargs")}


def numeric(parameter: inspect.Parameter) -> bool:
    text = str(parameter.annotation)
    return any(word in text for word in ("int", "float")) and "bool" not in text.replace("| None", "")


ALL = {name: (entry.cls, p) for entry in models().values() for name, p in parameters(entry.cls).items()}


def test_the_table_names_real_parameters_and_every_numeric_one():
    assert set(RANGES) <= set(ALL), sorted(set(RANGES) - set(ALL))
    missing = {name for name, (_, p) in ALL.items() if numeric(p)} - set(RANGES) - UNCONSTRAINED
    assert not missing, f"give these a range in ganzoo.models.hyperparameters.RANGES: {sorted(missing)}"


def outside(allowed: Range) -> float:
    if allowed.high != math.inf:
        return allowed.high + 1
    return allowed.low if allowed.open_low else allowed.low - 1


@pytest.mark.parametrize("name", sorted(RANGES))
def test_a_value_outside_the_range_is_one_line_before_any_network(name, monkeypatch):
    cls, parameter = ALL[name]
    bad = outside(RANGES[name])
    value = (8, int(bad)) if "Sequence" in str(parameter.annotation) or "tuple" in str(parameter.annotation) else bad
    if "int" in str(parameter.annotation) and not isinstance(value, tuple):
        value = int(value)
    built = []
    monkeypatch.setattr(cls, "build_generator", lambda self: built.append(1))
    labelled = {"num_classes": 10} if "num_classes" in parameters(cls) and name != "num_classes" else {}
    with pytest.raises(UserError) as error:
        cls(**labelled, **{name: value})
    assert str(error.value).startswith(f"--model.{name}") and f"got {value}" in str(error.value)
    assert "\n" not in str(error.value) and not built


@pytest.mark.parametrize(
    ("allowed", "inside", "out"),
    [(Range(1), [1, 7], [0, -1]), (Range(0, open_low=True), [1e-9], [0.0]), (Range(0, 1), [0, 0.5, 1], [-0.1, 1.1])],
)
def test_ranges_hold_their_ends(allowed, inside, out):
    assert all(v in allowed for v in inside) and not any(v in allowed for v in out)


def test_none_booleans_and_in_range_values_pass():
    check_hyperparameters({"ema_decay": None, "n_critic": 5, "hidden": (8, 16), "channels_last": True, "other": -1})
    with pytest.raises(UserError, match=r"--model.hidden \(every entry\) must be ≥ 1, got \(8, 0\)"):
        check_hyperparameters({"hidden": (8, 0)})
