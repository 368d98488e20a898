"""Security: passwords, sessions, API tokens, CSRF, rate limits, lockout, headers, audit log."""
