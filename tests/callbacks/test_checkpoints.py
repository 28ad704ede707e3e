"""Checkpoint names count generator steps (GeneratorStepCheckpoint), like every other "step" the user reads."""

import warnings
from pathlib import Path

from ganzoo.cli import main
from tests.conftest import TINY


def test_checkpoint_names_count_generator_steps_not_both_players_optimizer_steps(capsys):
    main(["fit", "--data.image_size=16", "--model.base_channels=8", *TINY, "--model.n_critic=1"])
    names = sorted(p.name for p in Path("runs/dcgan-digits/version_0/checkpoints").iterdir())
    assert names == ["epoch=0-step=3.ckpt", "last.ckpt"]  # 3 batches: 3 G steps (Lightning's global_step is 6)
    assert "litlogger" not in capsys.readouterr().err  # and no library advertisement on the console


def test_checkpoints_every_n_steps_need_no_other_flag_and_come_without_lightnings_manual_optimization_advice():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        main(["fit", "--data.image_size=16", "--model.base_channels=8", *TINY, "--checkpoint.every_n_train_steps=2"])
    assert not [w for w in caught if "manual optimization" in str(w.message)]
    assert len(list(Path("runs/dcgan-digits/version_0/checkpoints").glob("epoch=*.ckpt"))) >= 1


def test_the_state_key_is_model_checkpoints_own_formula_computed_once():
    from lightning.pytorch.callbacks import ModelCheckpoint

    from ganzoo.callbacks import GeneratorStepCheckpoint

    ours, lightnings = GeneratorStepCheckpoint(every_n_train_steps=3), ModelCheckpoint(every_n_train_steps=3)
    assert ours.state_key == lightnings.state_key.replace("ModelCheckpoint", "GeneratorStepCheckpoint")
    assert ours.state_key is ours.state_key  # the same string, not formatted again on every hook call
