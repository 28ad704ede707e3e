"""The short names the CLI accepts for models and datasets, registered beside each class's definition.

A variant is one decorated class::

    @register_model("dcgan", "Radford et al. 2015: conv G/D with BatchNorm, Adam 2e-4 β1=0.5; 16–128 px")
    class DCGAN(GAN): ...

and a datamodule likewise with :func:`register_data`. Its defaults are its signature's (LightningCLI reads them
there); the lists the CLI prints, the alias lookup and the checkpoint loader all derive from these tables.
:func:`models` and :func:`datasets` import the packages first, so every module in ``ganzoo/models`` and
``ganzoo/data`` has registered itself.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T", bound=type)


@dataclass(frozen=True)
class Entry:
    """One registered class: its CLI name, the class and a one-line summary."""

    name: str
    cls: type
    summary: str

    @property
    def class_path(self) -> str:
        """The shortest import path: the package's re-export (``ganzoo.models.DCGAN``) when there is one."""
        package = self.cls.__module__.rpartition(".")[0]
        if package and getattr(sys.modules.get(package), self.cls.__name__, None) is self.cls:
            return f"{package}.{self.cls.__name__}"
        return f"{self.cls.__module__}.{self.cls.__qualname__}"


_MODELS: dict[str, Entry] = {}
_DATA: dict[str, Entry] = {}


def _register(table: dict[str, Entry], name: str, summary: str) -> Callable[[T], T]:
    def decorate(cls: T) -> T:
        if name in table and table[name].cls is not cls:
            raise ValueError(f"{name!r} is registered twice: {table[name].cls.__qualname__} and {cls.__qualname__}")
        table[name] = Entry(name, cls, summary)
        return cls

    return decorate


def register_model(name: str, summary: str) -> Callable[[T], T]:
    """Class decorator: ``ganzoo fit --model NAME`` selects this model; ``ganzoo models`` prints ``summary``."""
    return _register(_MODELS, name, summary)


def register_data(name: str, summary: str) -> Callable[[T], T]:
    """Class decorator: ``--data NAME`` selects this datamodule; ``ganzoo datasets`` prints ``summary``."""
    return _register(_DATA, name, summary)


def import_submodules(package: str, path: Iterable[str]) -> None:
    """Imports every module of a package (``__name__``, ``__path__``), so that each registers what it defines."""
    for module in pkgutil.iter_modules(path):
        importlib.import_module(f"{package}.{module.name}")


def models() -> dict[str, Entry]:
    """Every registered model, by name, sorted (importing ``ganzoo.models`` registers the zoo's own)."""
    importlib.import_module("ganzoo.models")
    return dict(sorted(_MODELS.items()))


def datasets() -> dict[str, Entry]:
    """Every registered datamodule, by name, sorted."""
    importlib.import_module("ganzoo.data")
    return dict(sorted(_DATA.items()))


def describe(table: dict[str, Entry]) -> str:
    """One line per entry: name, class, summary."""
    width = max(map(len, table))
    cls_width = max(len(e.cls.__name__) for e in table.values())
    return "\n".join(f"{name:<{width}}  {e.cls.__name__:<{cls_width}}  {e.summary}" for name, e in table.items())
