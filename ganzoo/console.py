"""What the console shows: messages the user can act on, not library notices they cannot."""

from __future__ import annotations

import logging
import re
import warnings

#: Lightning's notices that say nothing about the user's run: an advertisement printed at every Trainer start, and
#: a deprecation inside Lightning's own pytree helper (Lightning's code calls the deprecated API, not ganzoo's).
#: (Warnings, as opposed to log records, are silenced in :func:`quiet_library_notices`.)
_NOTICES = ("litlogger", "isinstance(treespec, LeafSpec)")


class _DropNotices(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not any(notice in record.getMessage() for notice in _NOTICES)


def quiet_library_notices() -> None:
    """Hides :data:`_NOTICES`; every other warning and message still reaches the console."""
    for name in ("lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.rank_zero"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropNotices) for f in logger.filters):
            logger.addFilter(_DropNotices())
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")
    # Lightning's advice (with example code) for checkpoints every n steps under manual optimization: save the state
    # from before optimizer.step(). A GAN step ends with both players updated, and that state is what a resume needs.
    warnings.filterwarnings("ignore", message="Using ModelCheckpoint with manual optimization and every_n_train_steps")
    # A resumed run writes into a new run directory by design (the earlier one is left as it was, and ganzoo prints
    # the new one), so Lightning's notice that the checkpoint folder changed since the checkpoint is expected.
    warnings.filterwarnings("ignore", message="The dirpath has changed from")
    # run_cli(args) from Python (a notebook, a benchmark) runs exactly ``args``: the process's own sys.argv (a Jupyter
    # kernel's, a script's options) is not a mistake to warn about.
    warnings.filterwarnings("ignore", message="LightningCLI's args parameter is intended to run from within Python")


def plain(docstring: str) -> str:
    """A docstring as console text (a command's ``--help``): Sphinx roles and double backticks become the single
    backticks of the options' own help texts."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", docstring)
    return text.replace("``", "`")
