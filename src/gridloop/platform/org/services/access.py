"""Who may try to log in, and how often: per-address throttling (the `limits` library), per-account lockouts
that grow with each wrong password, an audit log of refused attempts (never the password or token)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import select
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


@dataclass
class Throttle:
    """Per-process counters of refused attempts by address (memory; each worker counts its own)."""

    password: tuple[RateLimitItem, ...] = field(default_factory=lambda: tuple(parse(x) for x in PASSWORD_LIMITS))
    token: tuple[RateLimitItem, ...] = field(default_factory=lambda: tuple(parse(x) for x in TOKEN_LIMITS))
    limiter: MovingWindowRateLimiter = field(default_factory=lambda: MovingWindowRateLimiter(MemoryStorage()))

    def _items(self, kind: str) -> tuple[RateLimitItem, ...]:
        return self.password if kind == "password" else self.token

    def wait_seconds(self, kind: str, address: str) -> int:
        """0 when the address may try again now, else the seconds until it may."""
        waits = []
        for item in self._items(kind):
            if not self.limiter.test(item, kind, address):
                reset, _remaining = self.limiter.get_window_stats(item, kind, address)
                waits.append(max(1, math.ceil(reset - _epoch_now())))
        return max(waits, default=0)

    def failed(self, kind: str, address: str) -> None:
        """Count one refused attempt of the address."""
        for item in self._items(kind):
            self.limiter.hit(item, kind, address)

    def reset(self) -> None:
        """Forget every counter (tests, or an administrator's unlock of everything)."""
        self.limiter.storage.reset()


def _epoch_now() -> float:
    import time

    return time.time()


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
    wait = throttle.wait_seconds("password", address)
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


def token_wait(*, address: str, deps: ServiceDeps) -> None:
    """Throttled when the address has sent too many bad bearer tokens lately."""
    wait = throttle_of(deps).wait_seconds("token", address)
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
