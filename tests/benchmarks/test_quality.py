"""benchmarks/quality.py: budgets, curves joined across sittings, and the table."""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import quality  # noqa: E402


def write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_models_with_several_critic_steps_get_the_larger_budget():
    args = argparse.Namespace(kimg=300.0, critic_factor=2.0)
    assert quality.critic_steps("wgan_gp") == 5 and quality.critic_steps("dcgan") == 1
    assert quality.budget_kimg("wgan_gp", args) == 600 and quality.budget_kimg("dcgan", args) == 300


def test_a_curve_joins_every_sittings_fid_points_with_the_training_clock(tmp_path):
    fid = "fid_lenet_10k_test"
    write(tmp_path / "dcgan-fashion_mnist" / "version_0" / "metrics.jsonl",
          [{"metric": fid, "kimg": 30.0, "g_steps": 469, "value": 90.0},
           {"metric": "kid_lenet_10k_test", "kimg": 30.0, "g_steps": 469, "value": 5.0}])  # fmt: skip
    # The resumed sitting re-evaluates the step it resumed from and goes on.
    write(tmp_path / "dcgan-fashion_mnist" / "version_1" / "metrics.jsonl",
          [{"metric": fid, "kimg": 30.0, "g_steps": 469, "value": 90.0},
           {"metric": fid, "kimg": 60.0, "g_steps": 938, "value": 40.0}])  # fmt: skip
    write(tmp_path / "clock.jsonl", [{"g_steps": 469, "seconds": 60.0, "cpu_seconds": 120.0},
                                     {"g_steps": 938, "seconds": 120.0, "cpu_seconds": 240.0}])  # fmt: skip
    assert quality.curve(tmp_path) == [
        {"kimg": 30.0, "g_steps": 469, "fid": 90.0, "minutes": 1.0, "cpu_minutes": 2.0},
        {"kimg": 60.0, "g_steps": 938, "fid": 40.0, "minutes": 2.0, "cpu_minutes": 4.0},
    ]


def test_the_table_states_best_and_final_fid_and_where_the_best_was():
    row = {"model": "dcgan", "data": "fashion_mnist", "curve": [], "best_fid": 35.0, "best_kimg": 240.0, "fid": 38.5,
           "kimg": 300.032, "kid_lenet_10k_test": 1.234, "is_lenet_10k": 7.5, "cpu_seconds": 1800.0,
           "img_per_s": 412.3}  # fmt: skip
    lines = quality.table([row], 10_000).splitlines()
    assert lines[0].startswith("| model | data | best FID (lenet, 10k) | at kimg | final FID |")
    assert lines[2] == "| dcgan | fashion_mnist | 35.0 | 240 | 38.5 | 300 | 1.23 | 7.50 | 30 | 167 |"


def test_a_longer_budget_reruns_a_variant_and_its_row_supersedes_the_shorter_one():
    protocol = "p"
    short = {"model": "wgan", "data": "fashion_mnist", "protocol": protocol, "kimg": 600.0, "fid": 111.7}
    other = {"model": "dcgan", "data": "fashion_mnist", "protocol": protocol, "kimg": 300.032, "fid": 41.5}
    assert quality.has_run([short, other], "wgan", "fashion_mnist", 600.0)
    assert quality.has_run([short, other], "dcgan", "fashion_mnist", 300.0)  # Budget stops at the batch reaching it
    assert not quality.has_run([short, other], "wgan", "fashion_mnist", 1800.0)
    assert not quality.has_run([short, other], "wgan", "mnist", 600.0)
    long = {**short, "kimg": 1800.0, "fid": 60.0}
    assert quality.has_run([short, long], "wgan", "fashion_mnist", 900.0)  # a longer run covers a shorter budget
    # The longest run is shown whatever the order of the rows; the other variant keeps its own row.
    assert quality.longest_runs([long, short, other]) == [long, other]
    assert quality.longest_runs([short, long, other]) == [long, other]
    rerun = {**short, "fid": 110.0}  # the same budget measured again: the latest row
    assert quality.longest_runs([short, rerun]) == [rerun]
