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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sample", "--n", "0"], "--n must be ≥ 1 (the number of samples), got 0"),
        (["sample", "--n", "-5"], "--n must be ≥ 1"),
        (["sample", "--labels", "a,b"], "--labels takes comma-separated class numbers, e.g. 3,3,7; got 'a,b'"),
        (["sample", "--out", "grid.jpgx"], "--out grid.jpgx is not an image file name; end it in .png"),
        (["sample", "--out", "grid"], "--out grid is not an image file name"),
        (["sample", "--format", "npz", "--out", "s.png"], "--format npz writes an .npz file; end --out in .npz"),
        (["sample", "--format", "png", "--out", "s.npz"], "--out s.npz is not an image file name"),
        (["sample", "--format", "png-dir", "--out", "s.png"], "--out s.png names a file; --format png-dir writes a"),
        (["sample", "--style-mixing", "--format", "npz"], "--style-mixing writes one grid image"),
        (["evaluate", "--metrics", ""], "--metrics names no metric"),
        (["evaluate", "--feature", "lenet", "--out", "runs"], "--out runs cannot be written (Is a directory); give"),
        (["evaluate", "--n-fake", "0"], "generated samples (--n-fake, --metrics.n_fake) must be ≥ 1, got 0"),
        (["evaluate", "--metrics", "fid,foo", "--feature", "lenet"], "unknown metric 'foo' for images"),
    ],
)
def test_bad_command_arguments_are_one_line_errors_before_any_work(checkpoint, capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        main([args[0], "--ckpt", str(checkpoint), *args[1:]])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("ganzoo: error: ") and message in last, err[-2000:]
    assert not [path for path in Path().iterdir() if path.name != "runs"]  # nothing written


def test_sample_takes_the_format_from_the_out_extension(checkpoint):
    main(["sample", "--ckpt", str(checkpoint), "--n", "4", "--out", "s.npz"])
    assert np.load("s.npz")["images"].shape == (4, 32, 32, 1)
    main(["sample", "--ckpt", str(checkpoint), "--n", "4", "--out", "grid.jpg"])
    assert Image.open("grid.jpg").format == "JPEG"


def test_a_checkpoint_folder_is_a_one_line_error_naming_a_checkpoint_inside(checkpoint, capsys):
    with pytest.raises(SystemExit):
        main(["sample", "--ckpt", str(checkpoint.parent.parent)])
    (line,) = capsys.readouterr().err.strip().splitlines()
    run = checkpoint.parent.parent
    assert line.startswith(f"ganzoo: error: checkpoint {run} is a folder; give the path of a .ckpt")
    assert str(checkpoint.parent) in line and line.endswith(".ckpt")


def test_samples_are_generated_in_chunks_with_flat_memory(checkpoint, monkeypatch):
    import ganzoo.metrics.samples as samples
    from ganzoo.models import GAN

    sizes: list[int] = []
    original = GAN.sample
    monkeypatch.setattr(samples, "GENERATION_CHUNK", 40)
    monkeypatch.setattr(GAN, "sample", lambda self, *a, **k: sizes.append(len(k["z"])) or original(self, *a, **k))
    main(["sample", "--ckpt", str(checkpoint), "--n", "100", "--format", "png-dir", "--out", "many"])
    assert sizes == [40, 40, 20] and len(os.listdir("many")) == 100
    main(["sample", "--ckpt", str(checkpoint), "--n", "100", "--format", "npz", "--out", "many.npz"])
    assert np.load("many.npz")["images"].shape == (100, 32, 32, 1)


def test_fid_between_two_sets_matches_evaluate_and_caches_features(checkpoint, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GANZOO_CACHE", str(tmp_path / "cache"))
    from ganzoo.commands.evaluate import main as evaluate
    from ganzoo.commands.fid import main as fid

    # The same samples as evaluate scores (seed 0), against the first 180 test digits written as PNGs.
    main(["sample", "--ckpt", str(checkpoint), "--n", "300", "--format", "npz", "--out", "fake.npz", "--no-ema"])
    from ganzoo.data import DigitsData

    dm = DigitsData(image_size=32)
    dm.setup("test")
    real = dm.datasets["test"].x  # uint8, N×1×32×32
    Path("real").mkdir()
    for i, image in enumerate(real):
        Image.fromarray(image[0].numpy()).save(f"real/{i:04d}.png")
    record = fid(["fake.npz", "real", "--feature", "lenet", "--classifier", "mnist"])
    (expected,) = evaluate(["--ckpt", str(checkpoint), "--feature", "lenet", "--metrics", "fid", "--n-fake", "300",
                            "--no-ema", "--n-real", str(len(real))])  # fmt: skip
    assert record["metric"] == f"fid_lenet_300_{len(real)}" and record["n_a"] == 300
    # The .npz holds uint8 images; evaluate feeds the small CNN the float samples (Inception rounds to uint8 itself).
    assert record["value"] == pytest.approx(expected["value"], rel=5e-3)
    assert len(list((tmp_path / "cache").glob("files-*.pt"))) == 2  # both sets' features, for the next call
    assert fid(["fake.npz", "real", "--feature", "lenet"])["value"] == pytest.approx(record["value"], rel=1e-6)
    with pytest.raises(SystemExit):
        main(["fid", "fake.npz", "nowhere"])
    assert "nowhere is neither a folder of images nor an .npz" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["fid", "fake.npz", "real", "--feature", "lenet", "--out", "fake.npz/fid.jsonl"])
    assert "--out fake.npz/fid.jsonl cannot be written" in capsys.readouterr().err


def test_command_flags_take_fits_underscored_spelling_too():
    from ganzoo.commands.evaluate import parser as evaluate_parser
    from ganzoo.commands.sample import parser as sample_parser

    dashed = evaluate_parser().parse_args(["--ckpt", "c", "--n-fake", "7", "--inception-weights", "w"])
    underscored = evaluate_parser().parse_args(["--ckpt", "c", "--n_fake", "7", "--inception_weights", "w"])
    assert dashed == underscored
    assert sample_parser().parse_args(["--ckpt", "c", "--drs_quantile", "0.5"]).drs_quantile == 0.5
    # fit/validate/test/predict take Lightning's --ckpt_path; sample and evaluate take it as well.
    for parser in (evaluate_parser, sample_parser):
        assert parser().parse_args(["--ckpt_path", "c"]).ckpt == "c"
