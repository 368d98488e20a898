"""Pulse's exception hierarchy.

PulseError                  anything Pulse raises on purpose
├── StartupError            stops start-up with one clear line (no traceback)
│   ├── SettingsError       a setting has an invalid value; names the setting and its source
│   └── StoreError          the encrypted config store cannot be read or written
└── ApiError                answered to an HTTP client as {"error": message} with `status`
    ├── BadRequest          400
    ├── Unauthorized        401
    ├── Forbidden           403
    ├── NotFound            404
    ├── Conflict            409
    └── TooManyRequests     429 (carries Retry-After)
"""

from __future__ import annotations

from collections.abc import Mapping


class PulseError(Exception):
    """Base class of every error Pulse raises on purpose."""


class StartupError(PulseError):
    """A problem that must stop start-up; its message is shown to the user as is."""


class SettingsError(StartupError):
    """A setting has an invalid value."""


class StoreError(StartupError):
    """The encrypted configuration store cannot be read or written."""


class ApiError(PulseError):
    """An error answered to the HTTP client as `{"error": message}`."""

    status: int = 500
    code: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.headers: dict[str, str] = dict(headers or {})


class BadRequest(ApiError):
    status = 400
    code = "bad_request"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class TooManyRequests(ApiError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after
