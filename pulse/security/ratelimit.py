"""Request rate limits: Pulse's one table of limits, the sliding-window limiter, the middleware.

Upstream keyed the export limiter on `ip:port` (a new bucket per connection) and believed any
X-Forwarded-For header; here every limit is keyed on the client IP the client-IP middleware
resolved (forwarded headers only from trusted proxies). 429 answers carry `Retry-After`.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Handler

from pulse import keys
from pulse.errors import TooManyRequests


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    limit: int
    window: float  # seconds
    message: str


GENERAL = Limit("general", 500, 60, "Rate limit exceeded")
AUTH = Limit("auth", 10, 60, "Too many authentication attempts")
EXPORT = Limit("export", 5, 60, "Rate limit exceeded. Please try again later.")
TEST_EMAIL = Limit("test_email", 10, 60, "Too many test notifications; please wait")
UPDATE_CHECK = Limit("update_check", 10, 3600, "Too many update checks; please wait")


@dataclass(frozen=True, slots=True)
class RouteLimit:
    limit: Limit
    paths: frozenset[str]
    methods: frozenset[str] | None = None  # None = every method (counted before the 405)


# THE table. A request counts against its route limit (if any) and against GENERAL.
ROUTE_LIMITS: tuple[RouteLimit, ...] = (
    RouteLimit(AUTH, frozenset({"/api/login", "/api/security/change-password",
                                "/api/security/quick-setup"}), frozenset({"POST"})),
    RouteLimit(EXPORT, frozenset({"/api/config/export", "/api/config/import",
                                  "/api/export", "/api/import"})),
    # Test sends reach a third party (mail server, webhook service): one shared bucket.
    RouteLimit(TEST_EMAIL, frozenset({"/api/notifications/email/test",
                                      "/api/notifications/webhooks/test",
                                      "/api/notifications/test"}), frozenset({"POST"})),
    RouteLimit(UPDATE_CHECK, frozenset({"/api/updates/check"}), frozenset({"GET", "POST"})),
)  # fmt: skip
# The dashboard polls these; upstream exempts them from the general limit as well.
GENERAL_EXEMPT_PREFIXES = ("/api/state", "/api/health")
MAX_KEYS = 20_000  # bounded memory: the least recently used bucket goes first
SWEEP_SECONDS = 60.0


def route_limit(request: web.Request) -> Limit | None:
    for entry in ROUTE_LIMITS:
        if request.path in entry.paths and (
            entry.methods is None or request.method in entry.methods
        ):
            return entry.limit
    return None


@dataclass(slots=True)
class _Bucket:
    window: float
    hits: deque[float] = field(default_factory=deque)
    reported_at: float = float("-inf")


class RateLimiter:
    """Sliding log per (limit, key): a request passes while fewer than `limit` passed in the
    last `window` seconds; a rejected request is not counted (as upstream)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._buckets: OrderedDict[tuple[str, str], _Bucket] = OrderedDict()
        self._next_sweep = 0.0

    def __len__(self) -> int:
        return len(self._buckets)

    def hit(self, limit: Limit, key: str) -> float:
        """Count a request; 0 when it may pass, else the seconds until it would."""
        now = self.clock()
        self._sweep(now)
        bucket_key = (limit.name, key)
        bucket = self._buckets.get(bucket_key)
        if bucket is None:
            bucket = self._buckets[bucket_key] = _Bucket(limit.window, deque(maxlen=limit.limit))
            if len(self._buckets) > MAX_KEYS:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(bucket_key)
        hits = bucket.hits
        while hits and now - hits[0] >= limit.window:
            hits.popleft()
        if len(hits) >= limit.limit:
            return max(hits[0] + limit.window - now, 0.001)
        hits.append(now)
        return 0.0

    def should_report(self, limit: Limit, key: str) -> bool:
        """True once per window per bucket, so a flood of 429s is audited as one event."""
        bucket = self._buckets.get((limit.name, key))
        now = self.clock()
        if bucket is None or now - bucket.reported_at < limit.window:
            return False
        bucket.reported_at = now
        return True

    def check(self, limit: Limit, key: str, request: web.Request | None = None) -> None:
        """Count a request; raise TooManyRequests (429 with Retry-After) when over the limit."""
        wait = self.hit(limit, key)
        if wait <= 0:
            return
        if request is not None and self.should_report(limit, key):
            request.app[keys.AUDIT].record("rate_limited", request, success=False, limit=limit.name)
        raise TooManyRequests(limit.message, retry_after=math.ceil(wait))

    def _sweep(self, now: float) -> None:
        """Forget idle buckets (every minute at most)."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_SECONDS
        idle = [k for k, b in self._buckets.items() if not b.hits or now - b.hits[-1] >= b.window]
        for bucket_key in idle:
            del self._buckets[bucket_key]


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if path.startswith("/api/") and request.method != "OPTIONS":
        limiter = request.app[keys.RATE_LIMITS]
        client = request.get(keys.CLIENT_IP, request.remote or "")
        specific = route_limit(request)
        if specific is not None:
            limiter.check(specific, client, request)
        if not path.startswith(GENERAL_EXEMPT_PREFIXES):
            limiter.check(GENERAL, client, request)
    return await handler(request)
