"""Who may try to log in, and how often: per-address throttling counted from the audit log of refused attempts
(so every API process counts every process's refusals), per-account lockouts that grow with each wrong password,
an audit log of refused attempts (never the password or token)."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Lock

from limits import RateLimitItem, parse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridloop.kernel.errors import DomainError, Unauthenticated
from gridloop.kernel.org import Actor
from gridloop.platform.db.uow import UnitOfWork
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.services import org
from gridloop.platform.org.tables import AuthFailureRow, UserRow

#: Wrong passwords in a row before the account is locked; each further one doubles the lock.
LOCK_AFTER = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(hours=24)
#: Refused attempts one address may make before it must wait (moving windows).
PASSWORD_LIMITS = ("10/minute", "60/hour")
TOKEN_LIMITS = ("30/minute", "300/hour")


class Throttled(DomainError):
    """Too many refused attempts from this address or on this account (HTTP 429, with Retry-After)."""

    title = "Too many attempts"
    code = "too-many-attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


#: (kind, reason) of the audit-log rows that count against an address.
COUNTED = frozenset({("password", "wrong"), ("password", "locked"), ("token", "unknown-token")})
#: Seconds between a process's looks at other processes' refusals on the bearer-token path (password checks and a
#: process's own refusals look at once).
SYNC_SECONDS = 1.0
#: Ids re-read below the newest seen at each look (a row committed a moment after a newer one is still counted).
_ID_OVERLAP = 100


@dataclass
class Throttle:
    """Refused attempts by address in moving windows, counted from the audit log of refused attempts
    (`auth_failures`, one row per refusal in the database every process shares), so a guesser spreading attempts
    over several API processes meets the same limits as against one. Each process keeps the rows of the longest
    window in memory and reads the ones added since its last look by id: before every password check, after each
    refusal of its own, and on the bearer-token path at most every SYNC_SECONDS (one indexed read per second per
    process, whatever the request rate)."""

    password: tuple[RateLimitItem, ...] = field(default_factory=lambda: tuple(parse(x) for x in PASSWORD_LIMITS))
    token: tuple[RateLimitItem, ...] = field(default_factory=lambda: tuple(parse(x) for x in TOKEN_LIMITS))
    _hits: dict[tuple[str, str], deque[tuple[datetime, int]]] = field(default_factory=dict)
    _counted: set[int] = field(default_factory=set)
    _seen: int | None = None
    _forget_before: int = 0
    _next_look: float = 0.0
    _skip_existing: bool = False
    _lock: Lock = field(default_factory=Lock)

    def _items(self, kind: str) -> tuple[RateLimitItem, ...]:
        return self.password if kind == "password" else self.token

    def _longest(self) -> timedelta:
        return timedelta(seconds=max(i.get_expiry() for i in (*self.password, *self.token)))

    def due(self) -> bool:
        """Whether the next `sync()` (without `force`) reads the database."""
        return time.monotonic() >= self._next_look

    def sync(self, session: Session, *, now: datetime, force: bool = False) -> None:
        """Count the refusals recorded since the last look (by any process); without `force` at most every
        SYNC_SECONDS."""
        mono = time.monotonic()
        if not force and mono < self._next_look:
            return
        self._next_look = mono + SYNC_SECONDS
        if self._skip_existing:
            self._seen = self._forget_before = int(session.scalar(select(func.max(AuthFailureRow.id))) or 0)
            self._skip_existing = False
        q = select(AuthFailureRow.id, AuthFailureRow.kind, AuthFailureRow.reason, AuthFailureRow.address,
                   AuthFailureRow.at)  # fmt: skip
        if self._seen is None:
            q = q.where(AuthFailureRow.at >= now - self._longest())
        else:
            q = q.where(AuthFailureRow.id > max(self._seen - _ID_OVERLAP, self._forget_before))
        rows = session.execute(q.order_by(AuthFailureRow.id)).all()
        with self._lock:
            for row_id, kind, reason, address, at in rows:
                self._seen = max(self._seen or 0, row_id)
                if row_id in self._counted or row_id <= self._forget_before or (kind, reason) not in COUNTED:
                    continue
                self._counted.add(row_id)
                self._hits.setdefault((kind, address), deque()).append((at, row_id))
            if self._seen is None:
                self._seen = 0
            self._prune(now)

    def _prune(self, now: datetime) -> None:
        oldest = now - self._longest()
        for key in list(self._hits):
            hits = self._hits[key]
            while hits and hits[0][0] < oldest:
                self._counted.discard(hits.popleft()[1])
            if not hits:
                del self._hits[key]

    def wait_seconds(self, kind: str, address: str, *, now: datetime) -> int:
        """0 when the address may try again now, else the seconds until it may."""
        with self._lock:
            times = sorted(at for at, _ in self._hits.get((kind, address[:64]), ()))
        waits = []
        for item in self._items(kind):
            period = timedelta(seconds=item.get_expiry())
            recent = [t for t in times if t > now - period]
            if len(recent) >= item.amount:
                waits.append(max(1, math.ceil((recent[-item.amount] + period - now).total_seconds())))
        return max(waits, default=0)

    def failed(self, kind: str, address: str) -> None:
        """A refusal was recorded (and committed) here: count it at the next check."""
        self._next_look = 0.0

    def reset(self) -> None:
        """Forget every counter in this process (tests); refusals recorded so far no longer count here."""
        with self._lock:
            self._hits.clear()
            self._counted.clear()
            self._forget_before = max(self._seen or 0, self._forget_before)
            self._skip_existing = self._seen is None  # nothing read yet: the next look starts after the newest row


def throttle_of(deps: ServiceDeps) -> Throttle:
    """The process's throttle, made on first use."""
    if deps.cache.throttle is None:
        deps.cache.throttle = Throttle()
    throttle: Throttle = deps.cache.throttle
    return throttle


def lock_for(failures: int) -> timedelta:
    """How long an account is locked after `failures` wrong passwords in a row (0 below LOCK_AFTER)."""
    if failures < LOCK_AFTER:
        return timedelta(0)
    lock: timedelta = FIRST_LOCK * (2 ** min(failures - LOCK_AFTER, 20))
    return min(lock, LONGEST_LOCK)


def record(session: Session, *, kind: str, reason: str, now: datetime, username: str = "", address: str = "") -> None:
    """Add one line to the audit log of refused attempts (no secrets)."""
    session.add(AuthFailureRow(at=now, kind=kind, username=username[:64], address=address[:64], reason=reason))


def login(uow: UnitOfWork, *, username: str, password: str, address: str, deps: ServiceDeps) -> Actor:
    """Check a password under the throttle and the lockout; Throttled, Unauthenticated or the actor. Commits."""
    now = deps.clock.now()
    throttle = throttle_of(deps)
    throttle.sync(uow.session, now=now, force=True)
    wait = throttle.wait_seconds("password", address, now=now)
    if wait:
        raise Throttled(f"Too many failed logins from your address; try again in {wait} s.", retry_after=wait)
    session = uow.session
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        wait = math.ceil((user.locked_until - now).total_seconds())
        with deps.write_lock:
            record(session, kind="password", reason="locked", now=now, username=username, address=address)
            uow.commit()
        throttle.failed("password", address)
        raise Throttled(f"This account is locked after failed logins; try again in {wait} s.", retry_after=wait)
    try:
        actor = org.authenticate_password(session, username=username, password=password)
    except Unauthenticated:
        with deps.write_lock:
            if user is not None:
                user.failed_logins = (user.failed_logins or 0) + 1
                lock = lock_for(user.failed_logins)
                if lock:
                    user.locked_until = now + lock
            record(session, kind="password", reason="wrong", now=now, username=username, address=address)
            uow.commit()
        throttle.failed("password", address)
        raise
    if user is not None and (user.failed_logins or user.locked_until is not None):
        with deps.write_lock:
            user.failed_logins = 0
            user.locked_until = None
            uow.commit()
    return actor


def refused_token(uow: UnitOfWork, *, address: str, deps: ServiceDeps) -> None:
    """Record a refused bearer token and count it against the address. Commits."""
    with deps.write_lock:
        record(uow.session, kind="token", reason="unknown-token", now=deps.clock.now(), address=address)
        uow.commit()
    throttle_of(deps).failed("token", address)


def token_wait(session: Session, *, address: str, deps: ServiceDeps) -> None:
    """Throttled when the address has sent too many bad bearer tokens lately (to any process)."""
    now = deps.clock.now()
    throttle = throttle_of(deps)
    throttle.sync(session, now=now)
    wait = throttle.wait_seconds("token", address, now=now)
    if wait:
        raise Throttled(f"Too many bad bearer tokens from your address; try again in {wait} s.", retry_after=wait)


def unlock(session: Session, user: UserRow, *, now: datetime, by: str) -> None:
    """Lift a user's lockout (an administrator's decision, recorded in the audit log)."""
    user.failed_logins = 0
    user.locked_until = None
    record(session, kind="password", reason="unlocked", now=now, username=user.username, address=f"by {by}")


def recent_failures(session: Session, *, limit: int = 100) -> list[AuthFailureRow]:
    """The newest refused attempts."""
    return list(session.scalars(select(AuthFailureRow).order_by(AuthFailureRow.id.desc()).limit(limit)))
