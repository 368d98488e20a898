"""The end-to-end fixtures (simulator + monitoring app) for the alert e2e test."""

from tests.e2e.conftest import monitor, sim

__all__ = ["monitor", "sim"]
