"""Fixtures of the notification tests (the servers live in servers.py)."""

from tests.notify.servers import certificate, receiver, smtp_plain, smtp_starttls, smtp_tls

__all__ = ["certificate", "receiver", "smtp_plain", "smtp_starttls", "smtp_tls"]
