"""The HTTP API: the route table, middlewares and one handler module per area."""
