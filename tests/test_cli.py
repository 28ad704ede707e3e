"""The ``ganzoo`` command: aliases, overrides, configs, listings and one-line errors."""

from pathlib import Path

import pytest
import yaml

from ganzoo.cli import expand_aliases, main, with_quickstart
from ganzoo.errors import UserError
from ganzoo.registry import datasets, models
from tests.conftest import REPO, TINY, one_line_error, run_ganzoo


def print_config(capsys, *args: str) -> dict:
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", *args, "--print_config"])
    assert exit_info.value.code in (0, None)
    return yaml.safe_load(capsys.readouterr().out)


def test_names_expand_to_class_paths():
    args = expand_aliases(["fit", "--model", "dcgan", "--data=mnist", "--model.n_critic", "2"])
    assert args == [
        "fit",
        "--model=ganzoo.models.DCGAN",
        "--data=ganzoo.data.MNISTData",
        "--model.n_critic",
        "2",
    ]
    # Class names, dotted paths and files pass through.
    assert expand_aliases(["--model", "DCGAN", "--data", "a.b.C"]) == ["--model=DCGAN", "--data=a.b.C"]


def test_every_name_has_an_importable_class_path():
    import importlib

    for table in (models(), datasets()):
        for entry in table.values():
            module, name = entry.class_path.rsplit(".", 1)
            assert getattr(importlib.import_module(module), name) is entry.cls


def test_unknown_alias_is_one_line_naming_the_choices():
    with pytest.raises(UserError, match=f"unknown model 'wgan_pg'; choose one of: {', '.join(models())}"):
        expand_aliases(["fit", "--model", "wgan_pg"])
    result = run_ganzoo("fit", "--model", "wgan_pg")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"ganzoo: error: unknown model 'wgan_pg'; choose one of: {', '.join(models())} (see `ganzoo models`)"
    ]
    result = run_ganzoo("fit", "--data", "mnsit")
    assert result.returncode == 2 and f"choose one of: {', '.join(datasets())}" in result.stderr
    assert "Traceback" not in result.stderr


def test_alias_loads_model_defaults_and_later_arguments_override_them(capsys):
    cfg = print_config(
        capsys,
        "--model",
        "dcgan",
        "--model.n_critic",
        "2",
        "--model.optimizer_d.lr",
        "1e-4",
        "--data",
        "mnist",
        "--data.batch_size",
        "32",
    )
    model = cfg["model"]
    assert model["class_path"] == "ganzoo.models.DCGAN"
    assert model["init_args"]["n_critic"] == 2
    assert model["init_args"]["optimizer_d"]["init_args"]["lr"] == 1e-4
    assert model["init_args"]["optimizer_d"]["init_args"]["betas"] == [0.5, 0.999]  # the signature default
    assert cfg["data"] == {"class_path": "ganzoo.data.MNISTData", "init_args": {**cfg["data"]["init_args"]}}
    assert cfg["data"]["init_args"]["batch_size"] == 32


def test_the_quickstart_settings_never_leak_into_a_chosen_model(capsys):
    # jsonargparse keeps init args shared by two classes across a class switch: the quick-start DCGAN's EMA and
    # BatchNorm must not reach a model the user chose.
    model = print_config(capsys, "--model", "vanilla_gan", "--data", "ring")["model"]["init_args"]
    assert model["ema_decay"] is None and model["g_norm"] is None and model["d_norm"] is None  # the MLP's own: none
    data = print_config(capsys, "--model", "dcgan", "--data", "image_folder", "--data.root", ".")["data"]["init_args"]
    assert data["image_size"] == 64 and data["num_workers"] == 4


def test_class_names_and_dotted_paths_work_like_aliases(capsys):
    cfg = print_config(capsys, "--model", "VanillaGAN", "--data", "ganzoo.data.RingData", "--model.loss", "minimax")
    assert cfg["model"]["class_path"] == "ganzoo.models.VanillaGAN"
    assert cfg["model"]["init_args"]["loss"] == "minimax"
    assert cfg["data"]["class_path"] == "ganzoo.data.RingData"


def test_no_arguments_means_the_default_dcgan_on_digits(capsys):
    cfg = print_config(capsys)
    assert cfg["model"]["class_path"] == "ganzoo.models.DCGAN"
    assert cfg["data"]["class_path"] == "ganzoo.data.DigitsData"


EXPERIMENT_CONFIGS = sorted([*(REPO / "configs").glob("*.yaml"), *(REPO / "configs" / "lucic2018").glob("*.yaml")])


@pytest.mark.parametrize("config", EXPERIMENT_CONFIGS, ids=lambda p: str(p.relative_to(REPO / "configs")))
def test_experiment_configs_parse(capsys, config: Path):
    cfg = print_config(capsys, "--config", str(config))
    assert cfg["model"]["class_path"].startswith("ganzoo.models.")
    assert cfg["data"]["class_path"].startswith("ganzoo.data.")


def test_listings_have_one_line_per_entry(capsys):
    main(["models"])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(models())
    main(["datasets"])
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == list(datasets())


def test_fit_writes_a_grid_a_checkpoint_and_never_reuses_a_run_directory(tmp_path):
    args = ["fit", "--data.image_size=16", "--model.base_channels=8", *TINY]
    first, second = run_ganzoo(*args), run_ganzoo(*args)
    assert first.returncode == 0, first.stderr[-2000:]
    assert second.returncode == 0, second.stderr[-2000:]
    run0, run1 = tmp_path / "runs" / "dcgan-digits" / "version_0", tmp_path / "runs" / "dcgan-digits" / "version_1"
    assert f"run directory {Path('runs/dcgan-digits/version_0')}" in first.stderr
    for run in (run0, run1):
        assert (run / "samples" / "final.png").is_file()
        assert (run / "checkpoints" / "last.ckpt").exists()
        assert (run / "config.yaml").is_file()
    assert (run0 / "checkpoints" / "last.ckpt").resolve() != (run1 / "checkpoints" / "last.ckpt").resolve()


def test_runs_are_seeded_with_0_unless_told_otherwise_and_run_from_python_without_lightnings_notices(capsys):
    import warnings

    assert print_config(capsys, "--model", "vanilla_gan", "--data", "digits")["seed_everything"] == 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        main(["fit", "--model", "vanilla_gan", "--data", "digits", *TINY])
    # Neither "No seed found" nor the advice against passing args while sys.argv (here pytest's) holds options.
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "No seed found" in m or "args parameter" in m], messages
    assert yaml.safe_load(Path("runs/vanilla_gan-digits/version_0/config.yaml").read_text())["seed_everything"] == 0


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("1.0", 1.0), ("0.25", 0.25), ("2", 2)])
def test_a_whole_number_of_batches_is_a_count_and_a_float_a_fraction(capsys, value, expected):
    # Lightning types limit_*_batches float | int, which made "1" the float 1.0: every batch.
    config = print_config(capsys, f"--trainer.limit_train_batches={value}", f"--trainer.limit_val_batches={value}")
    for key in ("limit_train_batches", "limit_val_batches"):
        assert config["trainer"][key] == expected and type(config["trainer"][key]) is type(expected)


def test_one_train_batch_means_one_step(tmp_path):
    from ganzoo.lightning_cli import run_cli

    cli = run_cli(expand_aliases(["fit", "--model", "dcgan", "--data", "digits", "--data.image_size=16",
                                  "--model.base_channels=8", "--trainer.max_epochs=1",
                   "--trainer.limit_train_batches=1", "--trainer.limit_val_batches=0", "--metrics.metrics=[]",
                   "--trainer.enable_progress_bar=false"]))  # fmt: skip
    assert cli.model.g_steps == 1


def test_python_dash_m_runs_the_same_cli():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "ganzoo", "models"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "dcgan" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ckpt_path", "missing.ckpt"], "--ckpt_path missing.ckpt does not exist"),
        (["--model=dcgan", "--data", "image_folder", "--data.root", "nowhere"], "image folder nowhere does not exist"),
        (["--model=dcgan", "--data", "image_folder", "--data.root", "."], "no images"),
        (["--data.image_size", "28"], "takes square images of side 16, 32, 64"),
        (
            ["--model", "dcgan", "--data", "cifar10", "--data.npz", "missing.npz"],
            "--data.npz missing.npz does not exist",
        ),
        (["--model", "dcgan"], "give --data (see `ganzoo datasets`) too"),
    ],
)
def test_user_mistakes_are_one_line_errors_with_a_nonzero_exit(args, message):
    result = run_ganzoo("fit", *args, *TINY)
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("ganzoo: error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_missing_download_says_where_to_put_the_data_and_leaves_no_empty_run_directory(tmp_path):
    # No network here: torchvision's download fails, and the message says where the files go.
    runs = tmp_path / "runs"
    result = run_ganzoo(
        "fit", "--model=dcgan", "--data", "mnist", "--data.root", str(tmp_path / "empty"),
        f"--trainer.default_root_dir={runs}", *TINY, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-2000:]
    assert "could not load MNIST" in result.stderr and "--data.root" in result.stderr
    assert "Traceback" not in result.stderr
    assert "run directory" in result.stderr and list(runs.iterdir()) == []
    assert not (tmp_path / "empty").exists()  # a mistyped root is not left behind as empty folders


def test_cifar10_without_its_download_points_at_the_npz_option(tmp_path, capsys):
    line = one_line_error(capsys, ["fit", "--model=dcgan", "--data=cifar10", f"--data.root={tmp_path / 'nowhere'}",
                                   *TINY])  # fmt: skip
    assert "could not load CIFAR10" in line and "--data.npz FILE" in line
    assert not (tmp_path / "nowhere").exists()


def test_wandb_logger_works_offline_and_writes_into_the_run_directory(tmp_path):
    result = run_ganzoo(
        "fit",
        "--data.image_size=16",
        "--model.base_channels=8",
        "--trainer.logger=WandbLogger",
        *TINY,
        env={"WANDB_MODE": "offline", "WANDB_SILENT": "true"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    run = tmp_path / "runs" / "dcgan-digits" / "version_0"
    assert list(run.glob("wandb/offline-run-*"))
    assert (run / "checkpoints" / "last.ckpt").exists() or list(run.rglob("*.ckpt"))


def test_validate_test_and_predict_run_from_a_checkpoint(tmp_path):
    args = ["--data.image_size=16", "--model.base_channels=8", *TINY]
    assert run_ganzoo("fit", *args).returncode == 0
    ckpt = str(tmp_path / "runs" / "dcgan-digits" / "version_0" / "checkpoints" / "last.ckpt")
    for sub in ("validate", "test", "predict"):
        result = run_ganzoo(
            sub,
            *[a for a in args if "max_epochs" not in a and "train_batches" not in a],
            "--trainer.limit_test_batches=1",
            "--trainer.limit_predict_batches=1",
            f"--ckpt_path={ckpt}",
        )
        assert result.returncode == 0, (sub, result.stderr[-2000:])
    assert (tmp_path / "runs" / "dcgan-digits-validate" / "version_0").is_dir()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data.batch_size", "0"], "--data.batch_size must be ≥ 1, got 0"),
        (["--data.batch_size", "-5"], "--data.batch_size must be ≥ 1, got -5"),
        (["--model.n_critic", "0"], "--model.n_critic must be ≥ 1"),
        (["--trainer.accelerator", "gpu"], "(check the --trainer.* arguments)"),
        (["--trainer.default_root_dir", "a_file/runs"], "cannot create a run directory under a_file/runs"),
        (["--trainer.precision", "bf16-mixed", "--model.clip_grad_norm_d", "1", "--model.optimizer_d.fused", "true"],
         "--model.clip_grad_norm_d cannot clip a fused optimizer's gradients under bf16-mixed"),
    ],
)
def test_bad_settings_are_one_line_errors(capsys, args, message):
    Path("a_file").write_text("not a directory")
    assert message in one_line_error(capsys, ["fit", *TINY, *args])


def test_empty_truncated_or_foreign_checkpoints_are_refused_with_one_line(capsys):
    Path("empty.ckpt").write_bytes(b"")
    assert "empty.ckpt is empty;" in one_line_error(capsys, ["fit", *TINY, "--ckpt_path", "empty.ckpt"])
    main(["fit", "--data.image_size=16", "--model.base_channels=8", *TINY])
    good = Path("runs/dcgan-digits/version_0/checkpoints/last.ckpt").resolve()
    Path("cut.ckpt").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "cut.ckpt is not a whole checkpoint (truncated" in one_line_error(capsys, ["fit", *TINY, "--ckpt_path",
                                                                                     "cut.ckpt"])  # fmt: skip
    Path("notes.ckpt").write_text("a text file")
    message = one_line_error(capsys, ["fit", *TINY, "--ckpt_path", "notes.ckpt"])
    assert "notes.ckpt is not a whole checkpoint (truncated, or another file); give a .ckpt that" in message
    wgan = ["fit", "--model", "wgan", "--data", "digits", "--data.image_size=16", *TINY, "--ckpt_path", str(good)]
    assert "holds a DCGAN checkpoint, not WGAN" in one_line_error(capsys, wgan)
    other_size = ["fit", "--data.image_size=32", "--model.base_channels=8", *TINY, "--trainer.max_epochs=2",
                  "--ckpt_path", str(good)]  # fmt: skip
    assert "trained on samples of shape (1, 16, 16), this data gives (1, 32, 32)" in one_line_error(capsys, other_size)


def test_help_lists_every_command_and_lightnings_single_optimizer_flag_is_gone(capsys):
    main(["--help"])
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert listed == ["fit", "validate", "test", "predict", "sample", "evaluate", "fid", "lab", "models", "datasets"]
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    help_text = capsys.readouterr().out
    assert "--optimizer " not in help_text and "--lr_scheduler" not in help_text


def test_print_config_of_a_model_alone_works(capsys):
    cfg = print_config(capsys, "--model", "wgan_gp")
    assert cfg["model"]["class_path"] == "ganzoo.models.WGANGP" and cfg["model"]["init_args"]["n_critic"] == 5


def test_a_saved_config_reruns_into_a_new_run_directory():
    main(["fit", "--data.image_size=16", "--model.base_channels=8", *TINY])
    first = Path("runs/dcgan-digits/version_0")
    before = sorted(p.relative_to(first) for p in first.rglob("*"))
    main(["fit", "--config", str(first / "config.yaml")])
    second = Path("runs/dcgan-digits/version_1")
    assert (second / "checkpoints" / "last.ckpt").exists() and (second / "config.yaml").is_file()
    assert sorted(p.relative_to(first) for p in first.rglob("*")) == before  # nothing new in the old run
    main(["validate", "--config", str(first / "config.yaml"), "--ckpt_path", str(first / "checkpoints/last.ckpt")])
    assert sorted(p.relative_to(first) for p in first.rglob("*")) == before
    assert list(Path("runs/dcgan-digits-validate").glob("version_0/*"))


def test_short_names_work_inside_config_files_too(capsys):
    Path("exp.yaml").write_text("model: wgan_gp\ndata:\n  class_path: digits\n  init_args: {image_size: 16}\n")
    cfg = print_config(capsys, "--config", "exp.yaml", "--model.n_critic", "3")
    assert cfg["model"]["class_path"] == "ganzoo.models.WGANGP" and cfg["model"]["init_args"]["n_critic"] == 3
    assert cfg["data"]["class_path"] == "ganzoo.data.DigitsData" and cfg["data"]["init_args"]["image_size"] == 16


def test_a_wandb_run_is_named_like_its_directory_and_holds_the_full_config():
    from ganzoo.lightning_cli import run_cli

    cli = run_cli(with_quickstart(["fit", "--data.image_size=16", "--model.base_channels=8", *TINY,
                                   "--trainer.logger=WandbLogger", "--seed_everything=5"]))  # fmt: skip
    experiment = cli.trainer.logger.experiment
    assert experiment.project == "ganzoo" and experiment.name == "dcgan-digits-version_0"
    config = dict(experiment.config)
    assert config["data"]["class_path"] == "ganzoo.data.DigitsData"
    assert config["seed_everything"] == 5 and config["trainer"]["max_epochs"] == 1
    assert config["model"]["class_path"] == "ganzoo.models.DCGAN" and "metrics" in config


def test_a_training_batch_limit_bounds_validation_too(capsys):
    from ganzoo.lightning_cli import run_cli

    args = ["fit", "--data.image_size=16", "--model.base_channels=8", "--trainer.max_epochs=1",
            "--trainer.limit_train_batches=2", "--trainer.enable_progress_bar=false"]  # fmt: skip
    cli = run_cli(with_quickstart([*args, "--metrics.metrics=[]"]))
    assert cli.trainer.limit_val_batches == 2 and cli.trainer.num_val_batches == [2]
    cli = run_cli(with_quickstart([*args, "--metrics.metrics=[]", "--trainer.limit_val_batches=1"]))
    assert cli.trainer.num_val_batches == [1]  # an explicit choice stays
    run_cli(with_quickstart([*args, "--metrics.n_fake=200", "--metrics.feature=lenet"]))
    assert "the metrics still run on 200 samples at the end" in capsys.readouterr().err
