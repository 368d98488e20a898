"""Async clients for Proxmox VE and Proxmox Backup Server (knows nothing of the rest of Pulse)."""

from pulse.proxmox.calls import CallStats
from pulse.proxmox.errors import (
    ApiError,
    AuthError,
    FingerprintMismatch,
    PermissionDenied,
    ProxmoxError,
    RequestTimeout,
    TLSError,
    UnreachableError,
)
from pulse.proxmox.pbs import PbsClient
from pulse.proxmox.probe import ProbeResult, probe_instance
from pulse.proxmox.pve import PveClient
from pulse.proxmox.tls import display_fingerprint, normalize_fingerprint

__all__ = [
    "ApiError",
    "AuthError",
    "CallStats",
    "FingerprintMismatch",
    "PbsClient",
    "PermissionDenied",
    "ProbeResult",
    "ProxmoxError",
    "PveClient",
    "RequestTimeout",
    "TLSError",
    "UnreachableError",
    "display_fingerprint",
    "normalize_fingerprint",
    "probe_instance",
]
