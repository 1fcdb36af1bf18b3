"""Domain errors: each maps to one HTTP status and one CLI line, in one place per entrypoint."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every error gridloop raises on purpose."""

    title = "Request refused"
    code = "refused"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors: list[FieldError] = list(errors or [])


class InvalidInput(DomainError):
    """The input is malformed or breaks a rule (HTTP 422)."""

    title = "Invalid input"
    code = "invalid-input"


class UnknownValue(InvalidInput, ValueError):
    """A value outside a labelled enumeration (HTTP 422 when it reaches an edge uncaught; a ValueError for the
    callers that turn it into their own message)."""


class NotFound(DomainError):
    """The thing asked for does not exist, or is outside the caller's scope for listing (HTTP 404)."""

    title = "Not found"
    code = "not-found"


class Forbidden(DomainError):
    """The caller may not see or do this (HTTP 403)."""

    title = "Forbidden"
    code = "forbidden"


class Unauthenticated(DomainError):
    """No valid credentials (HTTP 401)."""

    title = "Authentication required"
    code = "unauthenticated"


class Conflict(DomainError):
    """The action does not fit the current state (HTTP 409)."""

    title = "Conflict"
    code = "conflict"


class TooLarge(DomainError):
    """An upload is larger than the limit (HTTP 413)."""

    title = "Upload too large"
    code = "too-large"


class UnsupportedMedia(DomainError):
    """An upload is of a type we do not accept (HTTP 415)."""

    title = "Unsupported media type"
    code = "unsupported-media"


@dataclass
class ValidationProblems:
    """Collects field errors and raises them together."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        """Record one problem."""
        self.errors.append(FieldError(field_name, message))

    def raise_if_any(self, detail: str = "The input has problems; see errors[].") -> None:
        """Raise InvalidInput listing every problem, if there is one."""
        if self.errors:
            raise InvalidInput(detail, errors=self.errors)
