"""Option mistakes of ``ganzoo fit/validate/…`` are one line (no usage, no nested type report), through the real
parser."""

import pytest

from ganzoo.cli import main
from ganzoo.parse_errors import one_line
from tests.conftest import REPO, one_line_error

FIT_HELP = "(`ganzoo fit --help` lists the options)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--model.lr_g", "abc"],
            "--model.lr_g is not an option of ganzoo.models.DCGAN (`ganzoo fit --model.help ganzoo.models.DCGAN` lists "
            "its options)",
        ),
        (["--data.nope", "1"], "--data.nope is not an option of ganzoo.data.DigitsData"),
        (
            ["--model.optimizer_g.nope", "1"],
            "--model.optimizer_g.nope is not an option of torch.optim.Adam (`ganzoo fit --model.optimizer_g.help "
            "torch.optim.Adam` lists its options)",
        ),
        (["--model.n_critic", "abc"], f"--model.n_critic: expected an integer, got 'abc' {FIT_HELP}"),
        (["--trainer.max_epochs", "ten"], "--trainer.max_epochs: expected an integer, got 'ten'"),
        (["--model.ema_decay", "high"], "--model.ema_decay: expected a number, got 'high'"),
        (["--model.g_norm", "group"], "--model.g_norm: expected one of batch, layer, none, got 'group'"),
        (["--model.optimizer_g", "Adamm"], "--model.optimizer_g: expected a class (name or import path), got 'Adamm'"),
        (["--model.optimizer_g.lr", "fast"], "--model.optimizer_g.lr: expected a number or a class"),
        (["--trainer.precision", "bf17"], "--trainer.precision: expected an integer or one of "),
        (["--trainer.nope", "1"], f"unrecognized arguments: --trainer.nope 1 {FIT_HELP}"),
        (["--config", "missing.yaml"], "--config: File does not exist: "),
    ],
)
def test_option_mistakes_are_one_line_errors(capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        main(["fit", "--model", "dcgan", "--data", "digits", *args])
    err = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and "\n" not in err, err[-3000:]  # the one line, without the usage
    assert err.startswith("ganzoo: error: ") and message in err, err


def test_a_config_files_unknown_key_is_named_and_other_subcommands_name_themselves(capsys, tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("model:\n  class_path: dcgan\n  init_args:\n    lr_d: 0.1\n")
    line = one_line_error(capsys, ["fit", "--data", "digits", "--config", str(config)])
    assert "--model.lr_d is not an option of ganzoo.models.DCGAN" in line
    line = one_line_error(capsys, ["validate", "--model", "dcgan", "--data", "digits", "--model.loss", "hinged"])
    assert line.endswith("got 'hinged' (`ganzoo validate --help` lists the options)")


def test_the_alternatives_jsonargparse_tries_still_parse(capsys):
    # Values that only a later alternative of a union type accepts: the parser must not report the earlier failures.
    with pytest.raises(SystemExit) as stop:
        main(["fit", "--model", "dcgan", "--data", "digits", "--model.optimizer_g", "SGD", "--model.optimizer_g.lr",
              "0.01", "--model.ema_decay", "null", "--trainer.logger", "false", "--print_config"])  # fmt: skip
    assert stop.value.code in (0, None), capsys.readouterr().err[-2000:]
    assert "torch.optim.SGD" in capsys.readouterr().out


def test_a_message_it_cannot_read_still_comes_back_whole_on_one_line():
    assert one_line("Something new:\n  went wrong\n    here", "ganzoo fit") == (
        f"Something new: went wrong here {FIT_HELP}"
    )
    odd = 'Parser key "mode":\n  Expected a typing.Literal[<Mode.A: 1>]. Got value: b'
    assert (
        one_line(odd, "ganzoo fit")
        == f'Parser key "mode": Expected a typing.Literal[<Mode.A: 1>]. Got value: b {FIT_HELP}'
    )


def test_the_readmes_example_is_what_the_command_prints(capsys):
    line = one_line_error(capsys, ["fit", "--model", "dcgan", "--data", "digits", "--model.n_critic", "five"])
    assert f"``{line}``" in (REPO / "README.md").read_text().replace("\n", " ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sample", "--ckpt", "x.ckpt", "--n", "many"], "--n: invalid int value: 'many' (`ganzoo sample --help`"),
        (["sample"], "the following arguments are required: --ckpt/--ckpt_path"),
        (["evaluate", "--ckpt", "x.ckpt", "--split", "val"], "argument --split: invalid choice: 'val'"),
        (["fid", "a"], "the following arguments are required: b (`ganzoo fid --help` lists the options)"),
        (["lab", "--figures"], "unrecognized arguments: --figures (`ganzoo lab --help` lists the options)"),
    ],
)
def test_ganzoos_own_commands_answer_a_bad_flag_with_one_line(capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        main(args)
    err = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and err.startswith("ganzoo: error: ") and "\n" not in err, err
    assert message in err, err
