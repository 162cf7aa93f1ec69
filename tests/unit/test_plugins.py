"""Plugin discovery as PGSync does it: a ``plugins`` folder found on the path,
walked with every folder below it, with or without ``__init__.py`` files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from indexer.errors import SchemaError
from indexer.plugins import load_plugins

MODULE = """
from pgsync import plugin


class {klass}(plugin.Plugin):
    name = "{name}"

    def transform(self, doc, **kwargs):
        doc["{name}"] = kwargs["_id"]
        return doc
"""


@pytest.fixture
def plugins_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "plugins" or m.startswith("plugins.")]:
        monkeypatch.delitem(sys.modules, name)
    folder = tmp_path / "plugins"
    folder.mkdir()
    return folder


def test_plugins_in_folders_without_init_files_are_found_in_listed_order(plugins_folder: Path) -> None:
    # PGSync's own plugins/ has no __init__.py, and keeps Groot in plugins/character/
    (plugins_folder / "character").mkdir()
    (plugins_folder / "character" / "groot.py").write_text(MODULE.format(klass="GrootPlugin", name="Groot"))
    (plugins_folder / "sample.py").write_text(MODULE.format(klass="HeroPlugin", name="Hero"))
    (plugins_folder / "__pycache__").mkdir()
    loaded = load_plugins(["Hero", "Groot"], file="schema.json", path="[0].plugins")
    assert [plugin.name for plugin in loaded] == ["Hero", "Groot"]
    assert loaded[1].transform({}, _id="7", _index="book") == {"Groot": "7"}


def test_an_unknown_plugin_names_the_ones_found_in_subfolders(plugins_folder: Path) -> None:
    (plugins_folder / "deep" / "deeper").mkdir(parents=True)
    (plugins_folder / "deep" / "deeper" / "villain.py").write_text(MODULE.format(klass="V", name="Villain"))
    with pytest.raises(SchemaError) as raised:
        load_plugins(["Villain", "Nope"], file="schema.json", path="[0].plugins")
    assert "plugin 'Nope' not found" in str(raised.value)
    assert "known plugins: Villain" in str(raised.value.hint)
