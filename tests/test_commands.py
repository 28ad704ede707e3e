"""`ganzoo sample` and `ganzoo evaluate` end to end on a tiny trained checkpoint."""

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo.cli import main
from tests.conftest import TINY, run_ganzoo


@pytest.fixture
def checkpoint() -> Path:
    main(["fit", "--data.image_size=32", "--model.base_channels=8", "--model.ema_decay=0.9",
          *TINY])  # fmt: skip
    return Path("runs/dcgan-digits/version_0/checkpoints/last.ckpt")


def test_sample_writes_a_grid_an_npz_a_folder_and_an_interpolation(checkpoint, capsys):
    main(["sample", "--ckpt", str(checkpoint), "--n", "16", "--out", "grid.png"])
    assert Image.open("grid.png").size == (4 * 34 + 2, 4 * 34 + 2)
    main(["sample", "--ckpt", str(checkpoint), "--n", "10", "--format", "npz", "--out", "s.npz", "--no-ema"])
    images = np.load("s.npz")["images"]
    assert images.shape == (10, 32, 32, 1) and images.dtype == np.uint8
    main(["sample", "--ckpt", str(checkpoint), "--n", "3", "--format", "png-dir", "--out", "dir"])
    assert sorted(os.listdir("dir")) == ["00000.png", "00001.png", "00002.png"]
    main(["sample", "--ckpt", str(checkpoint), "--n", "8", "--interpolate", "--out", "strip.png"])
    assert Image.open("strip.png").size == (8 * 34 + 2, 34 + 2)
    # Same seed, same samples.
    main(["sample", "--ckpt", str(checkpoint), "--n", "10", "--format", "npz", "--out", "t.npz", "--no-ema"])
    assert np.array_equal(np.load("t.npz")["images"], images)


def test_evaluate_prints_a_table_and_appends_json_lines(checkpoint, capsys):
    records = main_evaluate(checkpoint, "--feature", "lenet", "--metrics", "fid,kid,is", "--n-fake", "200")
    assert [r["metric"] for r in records] == ["fid_lenet_200_test", "kid_lenet_200_test", "is_lenet_200"]
    out = capsys.readouterr().out
    assert "fid_lenet_200_test" in out and "appended 3 lines" in out
    lines = [json.loads(line) for line in (checkpoint.parent.parent / "metrics.jsonl").read_text().splitlines()]
    assert lines[-1]["metric"] == "is_lenet_200" and lines[-1]["n_fake"] == 200 and lines[-1]["ema"] is True
    assert lines[0]["n_real"] == 180 and lines[0]["data"] == "DigitsData" and lines[0]["feature"] == "lenet"
    assert all(np.isfinite(r["value"]) for r in records) and records[0]["value"] > 0
    # The generated set is seeded: evaluating twice gives the same number.
    assert main_evaluate(checkpoint, "--feature", "lenet", "--metrics", "fid", "--n-fake", "200")[0]["value"] == (
        pytest.approx(records[0]["value"], rel=1e-9)
    )


def main_evaluate(checkpoint: Path, *args: str) -> list[dict]:
    from ganzoo.commands.evaluate import main as evaluate

    return evaluate(["--ckpt", str(checkpoint), *args])


def test_malicious_checkpoint_is_refused_by_sample(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    torch.save({"state_dict": {}, "hyper_parameters": {"x": Exploit()}}, tmp_path / "evil.ckpt")
    result = run_ganzoo("sample", "--ckpt", str(tmp_path / "evil.ckpt"))
    assert result.returncode == 2 and "refusing to load" in result.stderr and "Traceback" not in result.stderr
    assert not marker.exists()


def test_an_unconditional_model_on_labelled_data_samples_as_unconditional(checkpoint, capsys):
    # digits carry labels, but DCGAN is not conditioned on them: no --labels, no labels array, DRS allowed.
    from ganzoo import load_model

    assert load_model(checkpoint).num_classes == 0
    with pytest.raises(SystemExit):
        main(["sample", "--ckpt", str(checkpoint), "--labels", "3,7"])
    assert "ganzoo: error: DCGAN is not conditional; drop --labels" in capsys.readouterr().err
    main(["sample", "--ckpt", str(checkpoint), "--n", "6", "--format", "npz", "--out", "u.npz"])
    assert set(np.load("u.npz").files) == {"images"}
    main(["sample", "--ckpt", str(checkpoint), "--n", "4", "--drs", "0", "--out", "drs.png"])
    assert Path("drs.png").is_file()
