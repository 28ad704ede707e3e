"""benchmarks/lucic2018.py: its configs, its table and its resumable runs."""

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import budget  # noqa: E402
import lucic2018  # noqa: E402


def test_every_model_has_a_config_per_dataset_differing_only_in_the_data():
    for model in lucic2018.PUBLISHED:
        mnist, fashion = (yaml.safe_load(lucic2018.config(model, d).read_text()) for d in lucic2018.DATASETS)
        assert mnist["data"]["class_path"] == "ganzoo.data.MNISTData"
        assert fashion["data"]["class_path"] == "ganzoo.data.FashionMNISTData"
        assert {k: v for k, v in mnist.items() if k != "data"} == {k: v for k, v in fashion.items() if k != "data"}
        assert mnist["model"]["init_args"]["backbone"] == "infogan"
        assert mnist["data"]["init_args"] == fashion["data"]["init_args"] == {"image_size": 28, "batch_size": 64}
        assert mnist["trainer"]["max_epochs"] == 20


def test_the_table_averages_seeds_and_states_the_ratio_to_the_published_best():
    rows = [{"model": "ns_gan", "data": "mnist", "seed": s, "fid": f} for s, f in enumerate([6.0, 8.0])]
    line = next(row for row in lucic2018.table(rows).splitlines() if row.startswith("| ns_gan"))
    assert "7.0 ± 1.4 (2 seeds) | 6.8 ± 0.5 | 1.03×" in line and "not run" in line


def test_a_run_resumes_from_its_newest_checkpoint_an_interrupted_one_included(tmp_path):
    import os

    assert budget.last_checkpoint(tmp_path) is None
    folders = [tmp_path / "vanilla_gan-mnist" / f"version_{version}" / "checkpoints" for version in (0, 1)]
    for when, path in enumerate([folders[0] / "last.ckpt", folders[0] / "interrupted.ckpt", folders[1] / "last.ckpt"]):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        os.utime(path, (1000 + when, 1000 + when))
        assert budget.last_checkpoint(tmp_path) == path
    (folders[1] / "epoch=3-step=9.ckpt").write_text("")  # an epoch's own file: last.ckpt stands for it
    assert budget.last_checkpoint(tmp_path) == folders[1] / "last.ckpt"


def test_rows_of_changed_settings_leave_the_table_and_are_run_again():
    text = lucic2018.config("wgan", "mnist").read_text()
    assert lucic2018.settings("# a new comment\n" + text) == lucic2018.settings(text)  # layout does not count
    changed = yaml.safe_load(text)
    changed["model"]["init_args"]["n_critic"] += 1
    assert lucic2018.settings(yaml.safe_dump(changed)) != lucic2018.settings(text)
    now = {"model": "wgan", "data": "mnist", "seed": 0, "fid": 7.0, "settings": lucic2018.settings(text)}
    before = {**now, "fid": 46.8, "settings": lucic2018.settings(yaml.safe_dump(changed))}
    unknown = {key: value for key, value in before.items() if key != "settings"}
    assert lucic2018.current([before, now, unknown]) == [now]


def test_a_parallel_job_is_this_script_for_one_run_with_the_options_that_shape_it(tmp_path):
    import argparse

    args = argparse.Namespace(data_root="/data", workdir=tmp_path, weights="/w.pth", quick=True)
    command = lucic2018.child_command("wgan", "fashion_mnist", 2, args)
    assert command[1] == lucic2018.__file__
    options = " ".join(command[2:])
    assert "--models wgan --datasets fashion_mnist --seeds 2" in options
    assert f"--data-root /data --workdir {tmp_path} --weights /w.pth --quick" in options
    assert "--weights" not in lucic2018.child_command("wgan", "mnist", 0, argparse.Namespace(**{**vars(args),
                                                                                               "weights": None}))
    run = lucic2018.run_dir(tmp_path, "wgan", "mnist", 0)
    assert run.name == f"wgan_mnist_seed0_{lucic2018.config_settings('wgan', 'mnist')}"


def test_parallel_runs_name_the_failed_ones_with_their_log_tail(tmp_path, monkeypatch, capsys):
    import argparse

    def child(model, data, seed, args):  # a run that succeeds for seed 0 and fails for seed 1
        return [sys.executable, "-c", f"print('run {seed}'); raise SystemExit({seed})"]

    monkeypatch.setattr(lucic2018, "child_command", child)
    args = argparse.Namespace(jobs=2, workdir=tmp_path)
    failed = lucic2018.run_in_parallel([("wgan", "mnist", 0), ("wgan", "mnist", 1)], args)
    assert failed == [lucic2018.run_dir(tmp_path, "wgan", "mnist", 1).name]
    printed = capsys.readouterr().out
    assert f"{failed[0]} FAILED (exit 1):\n  run 1" in printed and "seed0" in printed and "done" in printed


def test_every_config_lies_inside_compare_gans_narrow_search_range():
    # compare_gan v1's ``params.py`` (GetDefaultNarrowRange and the per-model ranges): the range the authors kept
    # after pruning their wide one. Adam lr in [1e-4, 1e-3], β1 = 0.5, one D step per G step for every model; no
    # batch norm in the discriminator of WGAN-GP and DRAGAN ("clearly False is better"); weight clipping in
    # [0.01, 1]; the penalties' λ in [0.1, 10].
    import importlib
    import inspect

    def setting(cls: type, init_args: dict, name: str) -> object:
        if name in init_args:
            return init_args[name]
        owner = next(c for c in cls.__mro__ if name in inspect.signature(c.__init__).parameters)
        return inspect.signature(owner.__init__).parameters[name].default

    for model in lucic2018.PUBLISHED:
        config = yaml.safe_load(lucic2018.config(model, "mnist").read_text())["model"]
        module, _, name = config["class_path"].rpartition(".")
        cls, init_args = getattr(importlib.import_module(module), name), config["init_args"]
        for player in ("optimizer_g", "optimizer_d"):
            adam = init_args[player]
            assert adam["class_path"] == "torch.optim.Adam", model
            assert 1e-4 <= adam["init_args"]["lr"] <= 1e-3 and adam["init_args"]["betas"][0] == 0.5, model
        assert setting(cls, init_args, "n_critic") == 1, model
        if model in ("wgan_gp", "dragan"):
            assert init_args["d_norm"] == "none", model
            assert 0.1 <= init_args["gp_weight"] <= 10, model
        if model == "wgan":
            assert 0.01 <= init_args["clip_value"] <= 1, model
