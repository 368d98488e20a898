"""The audit log records every security event as one JSON line, and no secret leaks anywhere:
not in responses, not in the log, not in the audit file."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from pulse import keys
from tests.security.conftest import PASSWORD, PASSWORD_HASH, MakeClient, login, session_cookie


async def read_audit(client: object, data_dir: Path) -> list[dict[str, object]]:
    app = client.app  # type: ignore[attr-defined]
    app[keys.AUDIT].stop()  # drains the writer thread
    app[keys.AUDIT].start()
    lines = (data_dir / "audit.log").read_text().splitlines()
    return [json.loads(line) for line in lines]


async def test_security_events_are_audited_without_secrets(
    secure_client: MakeClient, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = await secure_client()
    bodies: list[str] = []

    async def call(method: str, path: str, **kwargs: object) -> int:
        response = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
        bodies.append(await response.text())
        bodies.append(str(response.headers))
        return response.status

    assert await call("POST", "/api/login", json={"password": "wrong-guess-1"}) == 401
    typo = {"username": "wrong-guess-3", "password": "x"}  # password in the user field
    assert await call("POST", "/api/login", json=typo) == 401
    csrf = await login(client)
    cookie = session_cookie(client)
    headers = {"X-CSRF-Token": csrf}
    assert await call("POST", "/api/system/api-token/generate", headers=headers) == 200
    token = client.app[keys.CREDENTIALS].api_token
    assert await call("GET", "/api/system/api-token", headers=headers) == 200
    assert await call("DELETE", "/api/system/api-token/delete", headers=headers) == 200
    assert await call("POST", "/api/system/api-token/generate") == 403  # no CSRF token
    assert await call("POST", "/api/logout", headers=headers) == 200
    for _ in range(5):
        await call("POST", "/api/login", json={"password": "wrong-guess-2"})

    entries = await read_audit(client, data_dir)
    events = [(e["event"], e["success"]) for e in entries]
    for expected in [
        ("login.failure", False),
        ("login.success", True),
        ("token.generate", True),
        ("token.delete", True),
        ("csrf.failure", False),
        ("logout", True),
        ("lockout", False),
    ]:
        assert expected in events, expected
    success = next(e for e in entries if e["event"] == "login.success")
    assert success["ip"] == "127.0.0.1"
    assert success["path"] == "/api/login"
    assert success["user"] == "admin"
    assert str(success["timestamp"]).endswith("Z")
    assert (data_dir / "audit.log").stat().st_mode & 0o777 == 0o600

    audit_text = (data_dir / "audit.log").read_text()
    log_text = "\n".join(r.getMessage() for r in caplog.records)
    response_text = "\n".join(bodies)
    secrets = [PASSWORD, PASSWORD_HASH, "wrong-guess-1", "wrong-guess-2", "wrong-guess-3",
               token, cookie, csrf]  # fmt: skip
    for secret in secrets:
        assert secret not in audit_text
        assert secret not in log_text
    for secret in (PASSWORD, PASSWORD_HASH, cookie):
        assert secret not in response_text


async def test_status_never_shows_secrets(secure_client: MakeClient) -> None:
    client = await secure_client(token=True)
    text = await (await client.get("/api/security/status")).text()
    assert PASSWORD_HASH not in text
    assert client.app[keys.CREDENTIALS].api_token not in text
