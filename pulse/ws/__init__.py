"""The websocket side of Pulse: the broadcast hub and the `/ws` handler."""

from pulse.ws.hub import Hub, envelope, wrap_bytes

__all__ = ["Hub", "envelope", "wrap_bytes"]
