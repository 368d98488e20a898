"""The state Pulse shows: the store of published snapshots, chart history and counter rates."""

from pulse.models import State
from pulse.state.store import AlertProvider, CycleHook, StateStore

__all__ = ["AlertProvider", "CycleHook", "State", "StateStore"]
