"""The alert engine: threshold rules, active alerts, history and their HTTP API."""
