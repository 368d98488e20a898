"""Pollers: one coordinator per configured instance, reconciled live by the `PollerManager`."""

from pulse.polling.coordinator import Cadence, Coordinator
from pulse.polling.manager import PollerManager
from pulse.polling.status import InstanceStatus

__all__ = ["Cadence", "Coordinator", "InstanceStatus", "PollerManager"]
