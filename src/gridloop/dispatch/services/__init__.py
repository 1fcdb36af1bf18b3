"""Dispatch's use cases; other capabilities use dispatch only through this package.

The routing rules' public words are re-exported here (who handles what where, the coordinating level of a
cross-cutting case); the domain module itself is dispatch's own."""

from gridloop.dispatch.domain.routing import (
    CrossTag,
    RouteResult,
    UnitFacts,
    coordinating_level,
    cross_cutting,
    route,
)

__all__ = ["CrossTag", "RouteResult", "UnitFacts", "coordinating_level", "cross_cutting", "route"]
