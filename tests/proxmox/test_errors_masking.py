"""Errors built from a server's answer never carry our credentials back to the user."""

from pulse.logs import secret_filter
from pulse.proxmox.errors import ApiError, AuthError


def test_echoed_credentials_are_masked() -> None:
    secret_filter.add_secrets(["a9f1c2d3-node-token-secret"])
    echoed = ApiError(
        "PVE answered 400 for /version: bad header "
        "'Authorization: PVEAPIToken=pulse@pam!mon=a9f1c2d3-node-token-secret'"
    )
    assert "a9f1c2d3-node-token-secret" not in str(echoed)
    assert "PVE answered 400 for /version" in str(echoed)
    assert "node-token" not in AuthError("refused a9f1c2d3-node-token-secret").message
