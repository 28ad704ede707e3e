"""The lab: every experiment runs (tiny), checks its claim where a tiny run can, and its committed figures are
current (made by the experiment's present code) and shown in both theory documents."""

import json

import pytest

from ganzoo.cli import main
from ganzoo.lab import experiments, run
from tests.conftest import REPO

DOCS = REPO / "docs"
NAMES = list(experiments())


@pytest.fixture(scope="module")
def tiny_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("lab")
    return out, {name: run(name, out, tiny=True) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_each_experiment_writes_its_figures_and_numbers(tiny_results, name):
    out, results = tiny_results
    result = results[name]
    assert result["figures"] and all((out / f).stat().st_size > 10_000 for f in result["figures"])
    assert json.loads((out / f"{name}.json").read_text())["fingerprint"] == experiments()[name].fingerprint


def test_optimal_d_the_trained_d_is_within_0_15_of_d_star_on_the_support(tiny_results):
    result = tiny_results[1]["optimal-d"]
    assert result["max_abs_d_minus_dstar"] < 0.15  # measured: 0.107
    assert result["value_final"] == pytest.approx(result["value_theory"], abs=0.05)


def test_saturation_the_minimax_g_gradient_is_smaller_where_d_rejects_the_fakes(tiny_results):
    result = tiny_results[1]["saturation"]
    assert result["minimax"]["d_fake_at_start"] < 0.1  # D got ahead: it rejects the fakes
    assert result["minimax"]["g_grad_norm_first"] < 0.2 * result["non_saturating"]["g_grad_norm_first"]


@pytest.mark.parametrize("name", NAMES)
def test_the_committed_figures_are_current_and_shown_in_both_theory_documents(name):
    numbers = json.loads((DOCS / "lab" / f"{name}.json").read_text())
    assert numbers["fingerprint"] == experiments()[name].fingerprint, f"stale: rerun `ganzoo lab {name} --out docs/lab`"
    assert not numbers["tiny"]
    for doc in ("theory.md", "theory.zh.md"):
        text = (DOCS / doc).read_text()
        for figure in numbers["figures"]:
            assert f"lab/{figure}" in text and (DOCS / "lab" / figure).is_file(), (doc, figure)
        assert f"ganzoo lab {name}" in text, doc


def test_the_command_lists_the_experiments_and_refuses_an_unknown_one(capsys):
    main(["lab"])
    listing = capsys.readouterr().out
    assert all(name in listing for name in NAMES)
    with pytest.raises(SystemExit) as stop:
        main(["lab", "mode-colapse"])
    assert stop.value.code != 0
    assert "unknown experiment 'mode-colapse'; choose from: optimal-d" in capsys.readouterr().err
