"""The case loop's use cases; other capabilities use the case loop only through this package and its events.

The labelled enums of a case are re-exported here for them (the domain module itself is the case loop's own).
"""

from gridloop.cases.domain.lifecycle import (
    OPEN_STATUSES,
    Action,
    Channel,
    RequestType,
    Satisfaction,
    Status,
    Urgency,
)
from gridloop.cases.domain.metrics import Kpi

__all__ = ["OPEN_STATUSES", "Action", "Channel", "Kpi", "RequestType", "Satisfaction", "Status", "Urgency"]
