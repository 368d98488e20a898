"""Notifications: the dispatcher, e-mail, webhooks and the safe template renderer."""
