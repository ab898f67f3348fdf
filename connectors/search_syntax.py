"""Rendering a brand query's boolean tree into a platform's search syntax (Reddit, X).

The platforms agree on the shape (terms, quoted phrases, AND/OR/NOT, parentheses) and differ in
spelling: Reddit wants `AND` / `NOT x`, X an implicit AND and `-x`. Every compound operand is
parenthesized, so the result never depends on how a platform ranks AND against OR (Lucene, behind
Reddit search, does not rank them the way X does). Anything a platform cannot express is left to
the pipeline's local re-check, which runs the same query on every fetched text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from connectors.query import And, Node, Not, Or, Query, Term

__all__ = ["Syntax", "excludes_platform", "group", "render"]


@dataclass(frozen=True, slots=True)
class Syntax:
    """How one platform spells the operators; `term` renders a keyword, phrase or prefix."""

    term: Callable[[Term], str]
    and_sep: str  # " AND " or " "
    negate: Callable[[str], str]  # "NOT x" or "-x"


def render(node: Node, syntax: Syntax) -> str:
    """The expression in the platform's syntax; compound operands always in parentheses."""
    if isinstance(node, Term):
        return syntax.term(node)
    if isinstance(node, Not):
        return syntax.negate(_operand(node.item, syntax))
    sep = syntax.and_sep if isinstance(node, And) else " OR "
    return sep.join(_operand(item, syntax) for item in node.items)


def _operand(node: Node, syntax: Syntax) -> str:
    text = render(node, syntax)
    return f"({text})" if isinstance(node, And | Or) else text


def excludes_platform(query: Query, platform: str) -> bool:
    """Whether the query's `source:` filters rule this platform out, so searching it is pointless."""
    filters = query.filters
    return platform in filters.exclude_sources or bool(filters.sources and platform not in filters.sources)


def group(parts: list[str], joiner: str = " OR ") -> str:
    """Several alternatives as one operand: `a` alone, `(a OR b)` for more."""
    return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"
