"""BENCHMARKS.md's 2D table: per method and mixture, the run with the most seeds stands."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import report  # noqa: E402
import report_tables  # noqa: E402


def _row(method: str, dataset: str, seeds: int, hq: float, commit: str) -> dict:
    return {
        "method": method, "dataset": dataset, "seeds": seeds, "iterations": 25000, "commit": commit,
        "device": "cpu", "threads": 1, "date": "2026-12-02", "modes_mean": 8.0, "modes_std": 0.0,
        "hq_pct_mean": hq, "hq_pct_std": 1.0, "rkl_mean": 0.1, "rkl_std": 0.0,
    }  # fmt: skip


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.setattr(report_tables, "RESULTS", tmp_path)
    return tmp_path / "toy2d.jsonl"


def test_more_seeds_replace_fewer_and_variants_follow_their_method(results) -> None:
    rows = [
        _row("gan", "grid", 1, 10.0, "aaaaaaa"),
        _row("gan + DRS", "grid", 1, 80.0, "aaaaaaa"),
        _row("gan", "ring", 5, 70.0, "bbbbbbb"),
        _row("gan + EMA", "grid", 1, 20.0, "aaaaaaa"),
        _row("gan", "grid", 3, 30.0, "ccccccc"),
        _row("gan", "grid", 1, 99.0, "ddddddd"),  # a later run with fewer seeds does not replace the 3-seed one
    ]
    results.write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = [line for line in report.toy2d_section().splitlines() if line.startswith("| ganzoo")]
    assert [line.split(" | ")[0] for line in table] == ["| ganzoo gan", "| ganzoo gan + EMA", "| ganzoo gan + DRS"]
    assert "70.0 ± 1.0 | 8.0 ± 0.0 | 30.0 ± 1.0" in table[0]
    assert "ring: 5 seed(s)" in table[0] and "grid: 3 seed(s) × 25,000 it, ccccccc" in table[0]
    assert "| — | — | 8.0 | 20.0 | 1 seed(s) × 25,000 it; aaaaaaa" in table[1]


def test_readme_result_blocks_match_the_measured_rows() -> None:
    """`make report` refreshes them; a result added without it fails here."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert report.sync_readme(readme) == readme


def test_sync_readme_replaces_only_the_marked_blocks(results) -> None:
    results.write_text(json.dumps(_row("gan", "ring", 1, 50.0, "aaaaaaa")) + "\n")
    text = (
        "intro\n<!-- report:toy2d -->\nstale\n<!-- /report:toy2d -->\n"
        "middle\n<!-- report:cyclegan -->\n<!-- /report:cyclegan -->\n"
        "<!-- report:lucic2018 -->\n<!-- /report:lucic2018 -->\n"
        "<!-- report:stacked_mnist -->\n<!-- /report:stacked_mnist -->\n"
        "<!-- report:quality -->\n<!-- /report:quality -->\nend\n"
    )
    synced = report.sync_readme(text)
    assert "stale" not in synced and "| ganzoo gan | 8.0 | 50.0 |" in synced
    assert synced.startswith("intro\n") and "\nmiddle\n" in synced and synced.endswith("end\n")
    assert report.sync_readme(synced) == synced
    with pytest.raises(SystemExit, match="README lacks the markers <!-- report:"):
        report.sync_readme("no markers")


def test_a_stylegan_row_names_its_overrides():
    row = {"model": "stylegan_lite", "ema": True, "overrides": ["model.mapping_layers=2", "trainer.max_steps=5"]}
    assert report.stylegan_model(row) == "stylegan_lite (mapping_layers=2, trainer.max_steps=5) (EMA)"
    assert report.stylegan_model({"model": "dcgan", "ema": False}) == "dcgan"


def test_a_stylegan_row_states_its_learning_rates_in_their_own_column():
    row = {"model": "stylegan_lite", "ema": True, "overrides": ["model.optimizer_g.init_args.lr=0.01"],
           "lr": {"g": 0.01, "d": 0.005}}  # fmt: skip
    assert report.stylegan_model(row) == "stylegan_lite (EMA)"
    assert report.adam_lr(row) == "0.01 / 0.005"
    assert report.adam_lr({"model": "dcgan"}) == "?"


def test_lucic_rows_of_changed_settings_are_named_beside_the_table_not_in_it(results) -> None:
    import lucic2018

    now = lucic2018.settings(lucic2018.config("wgan", "mnist").read_text())
    base = {"model": "wgan", "data": "mnist", "engine": "openvino-f32", "date": "2026-12-06", "fit_seconds": 60.0,
            "fit_cpu_seconds": 60.0, "eval_seconds": 60.0, "kimg": 1199.36, "g_steps": 18740, "device": "cpu",
            "threads": 1}  # fmt: skip
    rows = [{**base, "seed": 0, "fid": 46.8, "settings": "000000000000", "commit": "aaaaaaa"},
            {**base, "seed": 0, "fid": 8.0, "settings": now, "commit": "bbbbbbb"}]  # fmt: skip
    (results.parent / "lucic2018.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    block = report.lucic2018_block()
    assert "| wgan | 8.0 (1 seed) |" in block and "46.8 (1 seed)" not in block
    assert "1 run, " in block and "not in the table: wgan mnist seed 0 46.8 (aaaaaaa)." in block

    (results.parent / "lucic2018.jsonl").write_text(json.dumps(rows[0]) + "\n")  # no run of the settings of now
    assert report.lucic2018_block() == "Not run yet: `python benchmarks/lucic2018.py`. Earlier settings: " \
        "wgan mnist seed 0 46.8 (aaaaaaa)."
    assert "| 000000000000 (since changed) |" in report.lucic2018_section()
