"""Versioned indexes: every index users search is an alias over a physical
index ``<index>_v<generation>``, so a new version can be built while the old
one serves, and swapped in atomically.

Lifecycle of one index (columns of ``indexes`` in the state schema)::

    bootstrap ──► building <index>_v1 ──backfill──► ready ──held rows drained──► swap ──► live
                   (fresh install: alias at once)                                   │
    changed schema.json, adopted index, deleted index ──► building <index>_v(n+1) ──┘  old version
                                                                                        retired, deleted
                                                                                        after a grace period

* **Writes to the live version** go through the alias with ``require_alias``, so
  a deleted index is reported (:class:`~indexer.search.writer.TargetMissing`) and
  never re-created by a bulk request with dynamic mappings. While a rebuild
  changes the document shape, the live version keeps its own document query
  and is written by its physical name.
* **The version being built** gets backfill pages only, by physical name; a
  change committed meanwhile is written to the live version and its outbox row
  *held*; once the backfill is done, held rows are built again for both
  versions (a later snapshot and a higher version than every page), so the new
  version misses nothing. The swap waits until no held row is left.
* **An existing index named like the alias** (built by PGSync, or by 0.1.0) is
  adopted: it stays live while ``<index>_v1`` is built, then one atomic alias
  action removes it and points the alias at the new version.
* Each physical index carries ``_meta.pg_search_indexer`` (index, generation,
  fingerprint) in its mapping, so an index auto-created in its place is told
  apart from ours, and a write alias ``<physical>-write``: writes by physical
  name (backfill pages, the version being built, a live version with an older
  shape) go through it with ``require_alias`` as well, so nothing is ever
  auto-created, not even by a late write to a deleted version.

The reference for the pattern is Chewy's and pgstream's versioned indexes
behind an alias; the held-rows hand-over is this project's.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from indexer import locks, logs
from indexer.plan import IndexPlan
from indexer.search.store import DocumentStore
from indexer.state import StateStore

META_KEY = "pg_search_indexer"


@dataclass(frozen=True)
class IndexState:
    """One row of ``indexes``: where an index's documents go."""

    index_name: str
    generation: int
    fingerprint: str
    shape: str | None
    live_physical: str | None
    live_via_alias: bool
    live_fingerprint: str | None
    live_shape: str | None
    building_physical: str | None
    building_reason: str | None
    backfill_state: str
    retired_physical: str | None
    retire_due: bool

    @property
    def building_ready(self) -> bool:
        return self.building_physical is not None and self.backfill_state == "done"


def read_states(state: StateStore) -> dict[str, IndexState]:
    """Every index's row of ``indexes``, by index name."""
    return {row[0]: IndexState(*row) for row in state.rows("index_targets")}


def physical_name(index: str, generation: int) -> str:
    return f"{index}_v{generation}"


WRITE_SUFFIX = "-write"


def write_alias(physical: str) -> str:
    """The alias every physical index this indexer creates carries, so that it
    can be written by name with ``require_alias`` too: once it is deleted, a
    late write fails instead of re-creating it with dynamic mappings."""
    return physical + WRITE_SUFFIX


def _generation_of(index: str, physical: str) -> int:
    match = re.fullmatch(re.escape(index) + r"_v(\d+)", physical)
    return int(match.group(1)) if match else 0


def body_with_meta(index_plan: IndexPlan, generation: int) -> dict[str, Any]:
    """The creation body of version ``generation`` of ``index_plan``'s index:
    its settings and mappings, our ``_meta`` marker and its write alias."""
    body = copy.deepcopy(index_plan.body)
    body["aliases"] = {write_alias(physical_name(index_plan.index.name, generation)): {}}
    mappings = body.setdefault("mappings", {})
    meta = mappings.setdefault("_meta", {})
    meta[META_KEY] = {
        "index": index_plan.index.name,
        "generation": generation,
        "fingerprint": index_plan.fingerprint,
    }
    return body


def is_ours(store: DocumentStore, physical: str, index: str, generation: int | None = None) -> bool:
    """``physical`` exists and carries our marker for ``index``."""
    meta = store.index_meta(physical)
    if meta is None:
        return False
    marker = meta.get(META_KEY) or {}
    return bool(marker.get("index") == index and (generation is None or marker.get("generation") == generation))


@dataclass(frozen=True)
class BootstrapTarget:
    """What bootstrap does for one index. ``action`` is ``keep`` (nothing),
    ``fresh`` (first version, alias at once), ``rebuild`` (a new version behind
    the live one) or ``adopt`` (a new version behind an index we did not make)."""

    index: str
    action: str
    reason: str
    generation: int = 0
    building: str | None = None
    live: str | None = None
    live_via_alias: bool = True
    abandon: str | None = None  # a version being built for an older schema.json, retired

    def describe(self) -> str:
        if self.action == "keep":
            return f"index {self.index}: unchanged ({self.reason})"
        if self.action == "fresh":
            return f"index {self.index}: create {self.building} behind the alias {self.index}, then backfill it"
        old = f"{self.live}" + ("" if self.live_via_alias else " (an index, not an alias)")
        return (
            f"index {self.index}: build {self.building} in the background ({self.reason}); {old} keeps serving"
            f" searches and receiving changes until {self.building} has caught up, then the alias {self.index}"
            f" moves to it atomically"
        )


def plan_bootstrap(store: DocumentStore, index_plan: IndexPlan, state: IndexState | None) -> BootstrapTarget:
    """Decide what bootstrap does for one index, from the installed state and
    what the engine holds. Raises the store's errors."""
    name = index_plan.index.name
    fingerprint = index_plan.fingerprint
    alias = store.alias_targets(name)
    concrete = alias is None and store.index_exists(name)
    building_now = state.building_physical if state is not None and state.fingerprint == fingerprint else None
    if building_now and is_ours(store, building_now, name):
        return BootstrapTarget(name, "keep", f"{building_now} is being built")
    live_ok = False
    if state is not None and state.live_physical:
        if state.live_via_alias:
            live_ok = alias is not None and state.live_physical in alias
        else:
            live_ok = concrete and state.live_physical == name
    if live_ok and state is not None and state.live_fingerprint == fingerprint and not state.building_physical:
        return BootstrapTarget(name, "keep", f"{state.live_physical} is live and matches schema.json")
    known = [state.generation if state else 0, *(_generation_of(name, p) for p in alias or [])]
    if state is not None:
        known += [_generation_of(name, p) for p in (state.building_physical, state.retired_physical) if p]
    generation = max(known) + 1
    while store.index_exists(physical_name(name, generation)):
        generation += 1
    building = physical_name(name, generation)
    abandon = state.building_physical if state is not None and state.building_physical else None
    if live_ok and state is not None:
        return BootstrapTarget(
            name, "rebuild", "schema.json changes its documents or settings", generation, building,
            state.live_physical, state.live_via_alias, abandon,
        )  # fmt: skip
    if alias:
        return BootstrapTarget(
            name, "adopt", f"the alias {name} exists already", generation, building, alias[0], True, abandon
        )
    if concrete:
        return BootstrapTarget(
            name, "adopt", f"an index named {name} exists (made by PGSync or an earlier release?)",
            generation, building, name, False, abandon,
        )  # fmt: skip
    return BootstrapTarget(name, "fresh", "new", generation, building, None, True, abandon)


def create_building(store: DocumentStore, index_plan: IndexPlan, target: BootstrapTarget) -> None:
    """Create the engine index of ``target`` (and, for a fresh index, its alias)."""
    assert target.building is not None
    store.create_index(target.building, body_with_meta(index_plan, target.generation))
    if target.action == "fresh":
        store.update_aliases([{"add": {"index": target.building, "alias": target.index}}])


@contextlib.contextmanager
def _locked(state: StateStore, *parts: str) -> Iterator[bool]:
    key = locks.advisory_key(state.state_schema, *parts)
    got = state.try_lock(key)
    try:
        yield got
    finally:
        if got:
            state.unlock(key)


class Targets:
    """Swaps, retirements and incidents of the versioned indexes of one
    database, on ``state``'s connection (autocommit). Every change runs under an advisory
    lock per index, so workers on any host can call these safely."""

    def __init__(self, state: StateStore, store: DocumentStore, *, grace: float) -> None:
        self.state = state
        self.store = store
        self.grace = grace
        self.log = logs.get("targets")

    def states(self) -> dict[str, IndexState]:
        return read_states(self.state)

    def _held(self, index: str) -> bool:
        return self.state.flag("held_rows", {"index": index})

    def maybe_swap(self, index_plan: IndexPlan) -> bool:
        """Swap in the built version of ``index_plan``'s index once its backfill
        is done and no held row is left. Returns True when it swapped."""
        name = index_plan.index.name
        with _locked(self.state, "targets", name) as got:
            if not got:
                return False
            state = self.states().get(name)
            if state is None or not state.building_ready or self._held(name):
                return False
            building = state.building_physical
            assert building is not None
            if not is_ours(self.store, building, name, state.generation):
                # deleted while it was being built (and maybe auto-created by a page since): build again
                self.log.error("index_missing", index=name, problems=f"{building} is gone or not ours",
                               noticed_by="the swap", action="rebuilding from Postgres")  # fmt: skip
                if self.store.index_exists(building) and self.store.alias_targets(building) is None:
                    self.store.delete_index(building)
                self.start_build(index_plan, state, "the index being built was missing")
                return False
            current = self.store.alias_targets(name) or []
            actions: list[dict[str, Any]] = []
            adopted = state.live_physical == name and not state.live_via_alias
            if adopted and self.store.index_exists(name) and self.store.alias_targets(name) is None:
                actions.append({"remove_index": {"index": name}})
            actions += [{"remove": {"index": t, "alias": name}} for t in current if t != building]
            if building not in current:
                actions.append({"add": {"index": building, "alias": name}})
            if state.retired_physical and state.live_via_alias and state.live_physical != building:
                self._delete_retired(name, state.retired_physical)  # the slot is needed for the live one
            if actions:
                self.store.update_aliases(actions)
            self.state.run("go_live", {
                "index": name, "building": building, "grace": self.grace,
                "query": index_plan.statements.by_keys,
            })  # fmt: skip
            self.log.info(
                "index_swapped", index=name, live=building, previous=state.live_physical, reason=state.building_reason
            )
            return True

    def _delete_retired(self, name: str, physical: str) -> None:
        if physical != name:  # never the alias's own name
            self.store.delete_index(physical)
        self.state.run("retired_deleted", {"index": name, "physical": physical})
        self.log.info("index_retired_deleted", index=name, physical=physical)

    def retire_due(self, name: str) -> None:
        """Delete the retired version of ``name`` once its grace period is over."""
        with _locked(self.state, "targets", name) as got:
            if not got:
                return
            state = self.states().get(name)
            if state is not None and state.retired_physical and state.retire_due:
                self._delete_retired(name, state.retired_physical)

    def check(self, index_plan: IndexPlan) -> list[str]:
        """Problems with ``index_plan``'s physical indexes in the engine, as
        words: the live version gone (or the alias no longer on it), the
        version being built gone or replaced by an index that is not ours."""
        state = self.states().get(index_plan.index.name)
        if state is None:
            return []
        name = index_plan.index.name
        problems = []
        if state.live_physical:
            if state.live_via_alias:
                targets = self.store.alias_targets(name) or []
                if state.live_physical not in targets or not self.store.index_exists(state.live_physical):
                    problems.append(f"the live index {state.live_physical} (alias {name}) is gone")
            elif not self.store.index_exists(name) or self.store.alias_targets(name) is not None:
                problems.append(f"the adopted index {name} is gone")
        if state.building_physical and not is_ours(self.store, state.building_physical, name, state.generation):
            problems.append(f"the index being built, {state.building_physical}, is gone or not ours")
        return problems

    def recover(self, index_plan: IndexPlan, cause: str) -> bool:
        """After an index went missing (``cause`` says how it was noticed):
        forget a live version that is gone, and build a new version unless a
        sound one is being built. Logged as an incident. Returns True when it
        changed anything."""
        name = index_plan.index.name
        with _locked(self.state, "targets", name) as got:
            if not got:
                return False
            problems = self.check(index_plan)
            if not problems:
                return False
            state = self.states()[name]
            self.log.error("index_missing", index=name, problems="; ".join(problems), noticed_by=cause,
                           action="rebuilding from Postgres")  # fmt: skip
            live_gone = any("live index" in p or "adopted index" in p for p in problems)
            building_bad = any("being built" in p for p in problems)
            if live_gone:
                self.state.run("live_lost", {"index": name, "live": state.live_physical})
            if building_bad or not state.building_physical:
                if building_bad and state.building_physical and state.building_physical != name:
                    self.store.delete_index(state.building_physical)  # an impostor, auto-created
                self.start_build(index_plan, state, "the index was missing")
            return True

    def rebuild(self, index_plan: IndexPlan, reason: str) -> str | None:
        """Start a new version of an index on request (``indexer reindex``): a
        version already being built is dropped first. Returns the new version's
        name, or None when another process holds the index's lock right now."""
        name = index_plan.index.name
        with _locked(self.state, "targets", name) as got:
            if not got:
                return None
            state = self.states()[name]
            if state.building_physical and state.building_physical not in (state.live_physical, name):
                self.store.delete_index(state.building_physical)
            return self.start_build(index_plan, state, reason)

    def start_build(self, index_plan: IndexPlan, state: IndexState, reason: str) -> str:
        """Create a new version of ``state``'s index and reset its backfill."""
        name = index_plan.index.name
        generation = state.generation + 1
        while self.store.index_exists(physical_name(name, generation)):
            generation += 1
        building = physical_name(name, generation)
        self.store.create_index(building, body_with_meta(index_plan, generation))
        with self.state.transaction():
            params = {"index": name, "generation": generation, "building": building, "reason": reason}
            self.state.run("start_build", params)
        self.log.warning("index_build_started", index=name, building=building, reason=reason)
        return building
