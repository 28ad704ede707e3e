"""The registry: names registered beside their classes, and every copy of the lists agrees with it."""

from __future__ import annotations

import inspect
import re

import pytest
from jsonargparse import ArgumentParser

from ganzoo.models import GAN, TranslationGAN
from ganzoo.registry import datasets, models, register_model
from tests.conftest import REPO


def readme_table_names(heading: str) -> list[str]:
    """The first column of the README table under ``### heading``."""
    text = (REPO / "README.md").read_text()
    section = text.split(f"### {heading}\n", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.M)


def test_the_readme_tables_list_exactly_the_registered_names():
    assert sorted(readme_table_names("Models")) == sorted(models())
    assert sorted(readme_table_names("Datasets")) == sorted(datasets())


def test_a_name_cannot_be_registered_for_two_classes():
    class Other(GAN):
        pass

    with pytest.raises(ValueError, match="'dcgan' is registered twice"):
        register_model("dcgan", "again")(Other)


@pytest.mark.parametrize("name", list(models()))
def test_every_model_takes_the_linked_data_arguments(name):
    """LightningCLI silently skips a link whose target a class does not declare: a model that lost ``data_shape``
    from its resolvable signature would train at the default shape. Conditional models also take ``num_classes``."""
    cls = models()[name].cls
    parser = ArgumentParser()
    parser.add_class_arguments(cls, "model")
    defaults = parser.get_defaults()
    assert "data_shape" in defaults.model
    conditional = "num_classes" in inspect.signature(cls.__init__).parameters
    assert ("num_classes" in defaults.model) == conditional
    assert issubclass(cls, (GAN, TranslationGAN))


def test_no_caller_asks_an_object_what_it_is_by_hasattr():
    offenders = [
        f"{path.relative_to(REPO)}:{n}"
        for path in (REPO / "ganzoo").rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bhasattr\(", line) and "__getitems__" not in line  # torch's optional batching protocol
    ]
    assert offenders == []
