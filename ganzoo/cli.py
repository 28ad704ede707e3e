"""The ``ganzoo`` command: LightningCLI with short model/data names, one directory per run, and one-line errors.

``ganzoo fit --model wgan_gp --data mnist`` works because ``--model``/``--data`` values that are registered names
(:mod:`ganzoo.registry`) are rewritten into class paths before LightningCLI parses them; a model's defaults are its
signature's. Class names, dotted paths and YAML files pass through unchanged.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from ganzoo.allocator import keep_freed_memory
from ganzoo.errors import UserError
from ganzoo.registry import datasets, describe, models

USAGE = """usage: ganzoo COMMAND [arguments]

A PyTorch Lightning model zoo of GANs. Commands:

  fit        train a model (ganzoo fit --model dcgan --data mnist); with no --model/--data, the quick-start run
  validate   Lightning's validation epoch from a checkpoint (--ckpt_path)
  test       Lightning's test epoch from a checkpoint
  predict    generated samples through Lightning's predict loop
  sample     images from a checkpoint: a grid, an .npz, a folder, an interpolation (ganzoo sample --ckpt FILE)
  evaluate   FID/KID/IS, mode coverage or translation metrics of a checkpoint (ganzoo evaluate --ckpt FILE)
  fid        the FID between two folders of images or .npz files, with evaluate's protocol (ganzoo fid A B)
  lab        the GAN notes' claims as experiments with figures (ganzoo lab; ganzoo lab mode-collapse)
  models     the models, one line each
  datasets   the datasets, one line each

`ganzoo COMMAND --help` describes a command's arguments; `ganzoo fit --model.help DCGAN` a model's."""


def package_config(*parts: str) -> Path:
    """Path of a YAML file shipped in ``ganzoo/configs``."""
    return Path(str(resources.files("ganzoo").joinpath("configs", *parts)))


def expand_aliases(argv: Sequence[str]) -> list[str]:
    """Rewrites ``--model NAME`` / ``--data NAME`` (and the ``=`` forms) when NAME is a ganzoo alias."""
    out: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        key, eq, value = arg.partition("=")
        if key in ("--model", "--data"):
            if not eq:
                if i + 1 >= len(args):
                    raise UserError(
                        f"{key} needs a value, e.g. {key} {next(iter(models() if key == '--model' else datasets()))}"
                    )
                i += 1
                value = args[i]
            out.append(f"{key}={_resolve(key[2:], value)}")
        elif key in ("--config", "-c") and (eq or i + 1 < len(args)):
            if not eq:
                i += 1
                value = args[i]
            out.append(f"{key}={_config_with_names_resolved(value)}")
        else:
            out.append(arg)
        i += 1
    return out


def _config_with_names_resolved(value: str) -> str:
    """A config file whose ``model``/``data`` give registered names (``model: dcgan``, or ``class_path: dcgan``)
    comes back as the same configuration with class paths, inline; any other value is returned unchanged."""
    import yaml

    path = Path(value)
    if not path.is_file():
        return value
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError:
        return value  # jsonargparse reports it
    changed = False
    for kind in ("model", "data") if isinstance(config, dict) else ():
        spec = config.get(kind)
        table = models() if kind == "model" else datasets()
        if isinstance(spec, str) and spec in table:
            config[kind], changed = table[spec].class_path, True
        elif isinstance(spec, dict) and spec.get("class_path") in table:
            spec["class_path"], changed = table[spec["class_path"]].class_path, True
    return yaml.safe_dump(config, sort_keys=False) if changed else value


def with_quickstart(args: list[str]) -> list[str]:
    """Runs the packaged quick-start experiment when a training subcommand names no model, data or config.

    It is applied only then, never as a default underneath the user's choices: jsonargparse keeps the init args two
    classes share when ``--model`` switches class, so a default DCGAN's settings would leak into ``--model X``.
    """
    if not args or args[0] not in ("fit", "validate", "test", "predict"):
        return args
    given = {a.partition("=")[0] for a in args}
    has_model, has_data = "--model" in given, "--data" in given
    if "--config" in given or "-c" in given or "--help" in given or "-h" in given:
        return args
    if not has_model and not has_data:
        return [args[0], f"--config={package_config('quickstart.yaml')}", *args[1:]]
    if not (has_model and has_data) and "--print_config" in given:
        # Showing a model's (or a dataset's) full configuration needs the other half only to parse: the quick start's.
        return [*args, "--data=ganzoo.data.DigitsData" if has_model else "--model=ganzoo.models.DCGAN"]
    if not (has_model and has_data):
        missing = "--data (see `ganzoo datasets`)" if has_model else "--model (see `ganzoo models`)"
        raise UserError(f"give {missing} too, or neither for the quick-start run on the bundled digits")
    return args


def _resolve(kind: str, value: str) -> str:
    table = models() if kind == "model" else datasets()
    if value in table:
        return table[value].class_path
    known_classes = {entry.cls.__name__ for entry in table.values()}
    if "." in value or value in known_classes or Path(value).is_file() or value.lstrip().startswith("{"):
        return value  # a dotted path, a class name, a config file or inline YAML: jsonargparse's business
    listing = "models" if kind == "model" else "datasets"
    raise UserError(f"unknown {kind} {value!r}; choose one of: {', '.join(table)} (see `ganzoo {listing}`)")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``ganzoo`` console script and ``python -m ganzoo``."""
    args = list(sys.argv[1:] if argv is None else argv)
    keep_freed_memory()  # before the first tensor: every later step reuses the memory the previous one freed
    try:
        if not args or args[0] in ("-h", "--help"):
            print(USAGE)
            return
        if args[0] in ("models", "datasets"):
            print(describe(models() if args[0] == "models" else datasets()))
            return
        if args[0] in ("sample", "evaluate", "fid", "lab"):
            import importlib

            importlib.import_module(f"ganzoo.commands.{args[0]}").main(args[1:])
            return
        args = with_quickstart(expand_aliases(args))
        if argv is None:
            # Rewrite in place: DDP's launcher re-runs sys.argv in the child processes.
            sys.argv[1:] = args
        from ganzoo.lightning_cli import run_cli

        run_cli(None if argv is None else args)  # None: LightningCLI reads sys.argv (no "args and argv" warning)
        end_process_group()
    except SystemExit as stop:
        from lightning.pytorch.utilities.exceptions import SIGTERMException

        if not isinstance(stop, SIGTERMException):
            raise
        # Lightning stopped training on SIGTERM (or our first Ctrl-C); the checkpoint is saved and announced.
        sys.exit(128 + getattr(stop, "signum", signal.SIGTERM))
    except Exception as err:
        _discard_empty_run_dir()
        message = _user_error_message(err)
        if message is None:
            raise
        print(f"ganzoo: error: {message}", file=sys.stderr)
        sys.exit(2)


def _discard_empty_run_dir() -> None:
    """A run that failed before writing anything leaves no empty ``runs/NAME/version_N`` behind (rmdir never removes
    a directory with files in it)."""
    run_dir = os.environ.pop("GANZOO_RUN_DIR", None)
    if run_dir and os.environ.get("LOCAL_RANK", "0") == "0":
        with contextlib.suppress(OSError):
            Path(run_dir).rmdir()
            Path(run_dir).parent.rmdir()


def _user_error_message(err: BaseException) -> str | None:
    """The one-line message of a UserError anywhere in ``err``'s chain, else None (a bug: keep the traceback).

    jsonargparse wraps errors raised while instantiating classes, and a DataLoader worker's error comes back
    re-created from its traceback text; both still carry the UserError.
    """
    from lightning.fabric.utilities.exceptions import MisconfigurationException

    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, UserError | MisconfigurationException):  # Lightning's own "configured wrong"
            return _one_line(err)
        err = err.__cause__ or err.__context__
    return None


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    line = text[-1] if text else type(err).__name__
    return line.split("UserError: ", 1)[-1]


def end_process_group() -> None:
    """Ends the DDP process group once training is over. Lightning leaves it alive, and a process that exits with
    gloo's threads still running can abort ("terminate called without an active exception"): under torchrun the
    other nodes then wait for it until their exit barrier times out."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()

