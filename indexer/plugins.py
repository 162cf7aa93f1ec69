"""PGSync's document plugins: Python classes that rewrite a document before it
is indexed.

A plugin is a class with a ``name`` and ``transform(doc, **kwargs)`` that
returns the document (changed or not) or ``None``; ``kwargs`` holds ``_id`` and
``_index``. As in PGSync, plugins live in modules of a package named
``plugins`` importable from the working directory (or ``PYTHONPATH``), and a
module may subclass ``pgsync.plugin.Plugin``: when PGSync itself is not
installed, a stand-in ``pgsync.plugin`` module with that base class is provided,
so PGSync plugin files work unchanged. schema.json's ``plugins`` lists the names
to apply, in that order.

Only indexes that use plugins pay for them: their documents are parsed and
re-serialized with orjson; every other index keeps the bytes from Postgres.
A document for which a plugin returns ``None`` is deleted from the index (the
plugin says it should not be there). A plugin that raises sends that one
document to the dead letters with the exception's last line; the batch goes on.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
import traceback
import types
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from indexer.errors import SchemaError
from indexer.search.bulk import Rejection, Row, row_doc_id

PACKAGE = "plugins"


class _PluginBase(ABC):
    """The stand-in for ``pgsync.plugin.Plugin``."""

    name: str = ""

    @abstractmethod
    def transform(self, doc: dict[str, Any], **kwargs: Any) -> dict[str, Any] | None: ...


def _plugin_base() -> type:
    """``pgsync.plugin.Plugin``: PGSync's own when it is installed, else the
    stand-in, registered as ``pgsync.plugin`` so plugin modules can import it."""
    try:
        from pgsync.plugin import Plugin
    except ImportError:
        Plugin = None  # noqa: N806
    if Plugin is not None:
        return Plugin  # type: ignore[no-any-return]
    if "pgsync.plugin" not in sys.modules:
        package = sys.modules.get("pgsync") or types.ModuleType("pgsync")
        module = types.ModuleType("pgsync.plugin")
        module.Plugin = _PluginBase  # type: ignore[attr-defined]
        package.plugin = module  # type: ignore[attr-defined]
        sys.modules.setdefault("pgsync", package)
        sys.modules["pgsync.plugin"] = module
    return sys.modules["pgsync.plugin"].Plugin  # type: ignore[no-any-return]


def _is_plugin(klass: type, base: type) -> bool:
    if inspect.isabstract(klass) or klass is base:
        return False
    return issubclass(klass, base) or (isinstance(getattr(klass, "name", None), str) and callable(
        getattr(klass, "transform", None)
    ))  # fmt: skip


def load_plugins(names: Sequence[str], *, file: str, path: str) -> list[Any]:
    """One instance of each named plugin, in ``names`` order, found in the
    ``plugins`` package (the working directory is searched first). Raises
    :class:`SchemaError` (naming ``file`` and the JSON ``path``) when the
    package or a name cannot be found or a plugin module fails to import."""
    if not names:
        return []
    base = _plugin_base()
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        package = importlib.import_module(PACKAGE)
    except ImportError as exc:
        raise SchemaError(
            file,
            path,
            f"plugins {', '.join(names)} are listed but the package {PACKAGE!r} cannot be imported ({exc})",
            hint="run from the directory that holds plugins/, or add that directory to PYTHONPATH",
        ) from None
    found: dict[str, type] = {}
    for module in _plugin_modules(package, file=file, path=path):
        for _, klass in inspect.getmembers(module, inspect.isclass):
            if _is_plugin(klass, base):
                found.setdefault(str(getattr(klass, "name", "")), klass)
    missing = [name for name in names if name not in found]
    if missing:
        raise SchemaError(
            file,
            path,
            f"plugin {', '.join(repr(m) for m in missing)} not found in package {PACKAGE!r}"
            f" ({', '.join(str(p) for p in package.__path__)})",
            hint=f"known plugins: {', '.join(sorted(found)) or 'none'}",
        )
    return [found[name]() for name in names]


def _plugin_modules(package: types.ModuleType, *, file: str, path: str) -> list[types.ModuleType]:
    """Every module of ``package`` and, as PGSync walks them, of every directory
    below it, with or without an ``__init__.py`` (PGSync's own ``plugins/``
    folder has none; ``pkgutil.walk_packages`` would skip its subfolders)."""
    modules: list[types.ModuleType] = []
    for module_info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        if module_info.ispkg:
            continue
        try:
            modules.append(importlib.import_module(module_info.name))
        except Exception as exc:  # noqa: BLE001 - a user's module: report it as a schema problem
            raise SchemaError(
                file, path, f"plugin module {module_info.name} fails to import: {_last_line(exc)}"
            ) from None
    for directory in dict.fromkeys(package.__path__):
        for child in sorted(Path(directory).iterdir()):
            if child.is_dir() and child.name.isidentifier() and not child.name.startswith("_"):
                subpackage = importlib.import_module(f"{package.__name__}.{child.name}")
                modules.extend(_plugin_modules(subpackage, file=file, path=path))
    return modules


def _last_line(exc: BaseException) -> str:
    lines = traceback.format_exception_only(type(exc), exc)
    return lines[-1].strip() if lines else type(exc).__name__


class PluginChain:
    """The plugins of one index, applied to rows (see :mod:`indexer.search.bulk`)."""

    def __init__(self, index: str, plugins: Sequence[Any]) -> None:
        self.index = index
        self.plugins = list(plugins)
        self.names = [p.name for p in self.plugins]

    def apply(self, rows: Sequence[Row]) -> tuple[list[Row], list[Rejection]]:
        """``rows`` with every document passed through the plugins in order: a
        ``None`` turns the row into a delete; a plugin that raises moves the row
        to the returned rejections (dead letters) instead."""
        out: list[Row] = []
        failed: list[Rejection] = []
        for row in rows:
            version, doc_id_json, doc, key = row
            if doc is None:
                out.append(row)
                continue
            doc_id = row_doc_id(doc_id_json)
            value: Any = orjson.loads(doc)
            try:
                for plugin in self.plugins:
                    value = plugin.transform(value, _id=doc_id, _index=self.index)
                    if value is None:
                        break
            except Exception as exc:  # noqa: BLE001 - a plugin's failure is one document's dead letter
                reason = f"plugin {plugin.name}: {_last_line(exc)}"
                failed.append(Rejection(row, 0, "plugin_error", {"type": "plugin_error", "reason": reason}))
                continue
            out.append((version, doc_id_json, None if value is None else orjson.dumps(value), key))
        return out, failed
