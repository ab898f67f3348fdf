"""Alert rules: the evaluators of rule kinds and what they produce.

A rule kind is declared in monitor/config/alert_kinds.py (its name, family and the options a
`[[alerts.rules]]` table of that kind may carry), and evaluated by a small class registered here
under its name (`negative_spike`, `connector_down`, ...) that turns a configured rule into
*conditions*. The engine owns everything after that (episodes, reminders, silences, inhibition,
the notification log, delivery), so a new kind is one new class (and, for a built-in kind, its
declaration in config):

    @register
    class IndexBelow(RuleKind):
        kind = "index_below"
        family = "index"
        Options = IndexBelowOptions          # e.g. below: float
        def evaluate(self, rule, ctx):
            for brand in ctx.brands_of(rule):
                snap = ...                   # newest index snapshot of the brand
                yield StateCondition(rule.labels(brand=brand), firing=snap.value < rule.options.below,
                                     at=ctx.now, started_at=ctx.now, details={...})

plus its module in BUILTIN_MODULES. A class whose kind config does not declare is declared from its
own `family`, `Options`, `per_source` and `uses_detection` when it is registered.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from monitor.config.alert_kinds import (
    Family,
    Labels,
    NoOptions,
    Rule,
    RuleKindSpec,
    declare_kind,
    rule_kinds,
)

if TYPE_CHECKING:
    from monitor.config import Settings, Source
    from monitor.storage.store import Store

# What an alert is computed from decides what mutes it: a connector-down alert mutes the
# "sentiment" (spike) alerts of the brands its source feeds, whose counts miss that source's data.
# Per-mention rules skip the mentions of that source instead (mention_rules.py): a batch of other
# sources' mentions is not computed from the failing source's data.
MUTED_BY_CONNECTOR_DOWN: frozenset[str] = frozenset({"sentiment"})

BUILTIN_MODULES = (
    "monitor.alerting.spike_rules",
    "monitor.alerting.mention_rules",
    "monitor.alerting.health_rules",
    "monitor.alerting.index_rules",
)


@dataclass(frozen=True)
class StateCondition:
    """A rule's judgement of something that is either wrong or fine (a spike, a source down).

    `firing` None means nothing new could be judged this time (no new safe bucket): the engine
    keeps the alert as it is and only sends the reminders that are due.
    """

    labels: Labels
    firing: bool | None
    at: datetime  # the time the judgement is about (a bucket's end, or now)
    started_at: datetime  # if this starts an episode: when it began (a bucket's start, or now)
    details: dict[str, Any] = field(default_factory=dict)  # the numbers, JSON-able
    state_key: str | None = None  # rule_state row saved in the same transaction as the outcome
    state: dict[str, Any] | None = None


@dataclass(frozen=True)
class BatchCondition:
    """New mentions a per-mention rule matched since its last batch: one message for all of them."""

    labels: Labels
    mention_ids: tuple[int, ...]  # the ones listed in the message (at most the rule's max_items)
    count: int  # all of them
    details: dict[str, Any]
    state_key: str
    state: dict[str, Any]


Condition = StateCondition | BatchCondition


class EvalContext:
    """What evaluators may read during one evaluation, with per-evaluation caches.

    `brands` / `sources` narrow an evaluation (after a poll of one source for one brand);
    None means everything.
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        now: datetime,
        *,
        brands: frozenset[str] | None = None,
        sources: frozenset[str] | None = None,
        inhibited: frozenset[str] = frozenset(),
        states: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.now = now
        self.brands = brands
        self.sources = sources
        self.inhibited = inhibited  # sources with a firing connector_down alert
        self.states = states or {}  # rule_state rows, read once per evaluation
        self.cache: dict[Any, Any] = {}
        self._health: dict[str, Any] | None = None

    def brands_of(self, rule: Rule) -> list[str]:
        return [b for b in rule.brands if self.brands is None or b in self.brands]

    def feeding_sources(self, brand: str) -> list[Source]:
        """The enabled sources that poll for `brand`: a bucket is complete only once all have."""
        return [s for s in self.settings.sources.values() if s.settings.enabled and brand in s.brands]

    def health(self) -> dict[str, Any]:
        if self._health is None:
            self._health = {row["source_name"]: row for row in self.store.health()}
        return self._health

    def state(self, key: str) -> dict[str, Any] | None:
        return self.states.get(key)


class RuleKind:
    """Base of a rule kind. Subclasses set `kind`, `family`, maybe `Options` and `per_source`."""

    kind: ClassVar[str]
    family: ClassVar[Family]
    Options: ClassVar[type[BaseModel]] = NoOptions
    per_source: ClassVar[bool] = False  # judged per source (connector_down), not per brand
    uses_detection: ClassVar[bool] = False  # takes [detection] parameters (with per-rule overrides)

    def evaluate(self, rule: Rule, ctx: EvalContext) -> Iterable[Condition]:
        raise NotImplementedError

    def state_keys(self, rule: Rule, ctx: EvalContext) -> Iterator[str]:
        """rule_state keys the evaluator will read (so one query fetches them all)."""
        return iter(())


_KINDS: dict[str, RuleKind] = {}
_LOADED = False
_LOCK = threading.Lock()


_SPEC_FIELDS = ("family", "Options", "per_source", "uses_detection")


def register(cls: type[RuleKind]) -> type[RuleKind]:
    """Class decorator: evaluate rules of kind `cls.kind` with this class.

    A kind monitor/config/alert_kinds.py declares takes its family, options and flags from there
    (the class may repeat them, but not contradict them); any other kind is declared from the class.
    """
    spec = rule_kinds().get(cls.kind)
    if spec is None:
        declare_kind(RuleKindSpec(cls.kind, cls.family, cls.Options, cls.per_source, cls.uses_detection))
    else:
        for name in _SPEC_FIELDS:
            declared = getattr(spec, name)
            if _sets(cls, name) and getattr(cls, name) != declared:
                raise TypeError(
                    f"{cls.__name__}.{name} is {getattr(cls, name)!r}, but monitor/config/alert_kinds.py "
                    f"declares {cls.kind!r} with {declared!r}"
                )
            setattr(cls, name, declared)
    _KINDS[cls.kind] = cls()
    return cls


def _sets(cls: type, name: str) -> bool:
    """Whether a subclass of RuleKind (not RuleKind itself) sets the class attribute `name`."""
    return any(name in vars(c) for c in cls.__mro__ if c not in (RuleKind, object))


def kinds() -> dict[str, RuleKind]:
    """Every registered evaluator, by kind (the built-in modules are imported on first use)."""
    global _LOADED
    if not _LOADED:
        with _LOCK:
            if not _LOADED:
                for module in BUILTIN_MODULES:
                    importlib.import_module(module)
                _LOADED = True
    return _KINDS
