"""Domain errors carry a stable code and a clear Chinese message meant for the user.

Unexpected exceptions are bugs; these are not — views show ``message`` as it is.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken; ``message`` is shown to the officer or citizen unchanged."""

    code: str = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    """An input field is malformed (ID number, plate, phone, date, length…)."""

    code = "invalid_input"

    def __init__(self, field: str, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.field = field


class RuleViolation(DomainError):
    """A legal or business rule forbids the action (booking window, procedure order…)."""

    code = "rule_violation"


class ConflictError(DomainError):
    """Somebody else changed the record first (optimistic locking / lost claim race)."""

    code = "conflict"


class NotFoundError(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    code = "permission_denied"
