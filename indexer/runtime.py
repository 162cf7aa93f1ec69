"""Loading what a running command needs for one database: the installed plan."""

from __future__ import annotations

from typing import Any

from indexer.errors import NotBootstrapped
from indexer.install import read_installation, require_installation
from indexer.plan import Plan, load_plan
from indexer.schema.model import DocumentSchema
from indexer.schema.parse import load_schema
from indexer.settings import Settings


def load_document_schema(settings: Settings) -> DocumentSchema:
    """schema.json as the settings see it (``--database`` applied)."""
    schema = load_schema(settings.schema_file)
    return schema.with_database(settings.database) if settings.database else schema


def handed_or_loaded_plan(conn: Any, settings: Settings, database: str, handed: Plan | None) -> Plan:
    """``handed`` (the supervisor's plan) when it still matches the installation,
    which costs one query instead of reflecting the catalog again; otherwise
    :func:`load_running_plan`."""
    if handed is not None:
        try:
            require_installation(conn, handed)
        except NotBootstrapped:
            pass
        else:
            return handed
    return load_running_plan(conn, settings, database)


def load_running_plan(conn: Any, settings: Settings, database: str) -> Plan:
    """The plan for ``database`` as installed by bootstrap. Raises
    :class:`NotBootstrapped` when bootstrap has not run or schema.json changed."""
    schema = load_document_schema(settings)
    installation = read_installation(conn, settings.state_schema)
    if installation is None:
        raise NotBootstrapped(
            f"database {database} has no indexer state schema {settings.state_schema}",
            hint=f"run `indexer bootstrap -c {settings.schema_file}` first",
        )
    plan = load_plan(
        conn,
        schema,
        database,
        state_schema=settings.state_schema,
        partitions=installation.partitions,
        slot_name=installation.slot_name,
    )
    require_installation(conn, plan)
    return plan
