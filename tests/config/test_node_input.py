"""Validation and normalisation of node requests (pure)."""

from __future__ import annotations

import pytest

from pulse.config.node_input import (
    build_instance,
    node_json,
    normalise_fingerprint,
    normalise_host,
    parse_request,
)
from pulse.config.nodes import InstanceConfig, InstanceKind
from pulse.errors import BadRequest

PVE, PBS = InstanceKind.PVE, InstanceKind.PBS


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (PVE, "pve.lan", "https://pve.lan:8006"),
        (PVE, "https://PVE.lan/", "https://pve.lan:8006"),
        (PVE, "https://pve.lan:443", "https://pve.lan:443"),
        (PVE, "https://127.0.1.11:8006/#v1:0:18:4", "https://127.0.1.11:8006"),
        (PVE, "https://127.0.1.11:8006/api2/json", "https://127.0.1.11:8006"),
        (PVE, "http://proxy.lan", "http://proxy.lan"),
        (PVE, "http://proxy.lan:8080", "http://proxy.lan:8080"),
        (PVE, "::1", "https://[::1]:8006"),
        (PVE, "[::1]:9000", "https://[::1]:9000"),
        (PVE, "https://[fd00::5]", "https://[fd00::5]:8006"),
        (PBS, "pbs.lan", "https://pbs.lan:8007"),
        (PBS, "https://pbs.lan:8443", "https://pbs.lan:8443"),
        (PBS, " 127.0.2.1 ", "https://127.0.2.1:8007"),
    ],
)
def test_hosts_are_normalised_as_urls(kind: InstanceKind, raw: str, expected: str) -> None:
    assert normalise_host(kind, raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "ftp://pve.lan", "https://root:pw@pve.lan", "https://pve.lan/some/path",
     "https://pve.lan?x=1", "https://pve lan", "https://pve.lan:99999"],
)  # fmt: skip
def test_bad_hosts_are_refused(raw: str) -> None:
    with pytest.raises(BadRequest):
        normalise_host(PVE, raw)


def test_fingerprints_sha256_only() -> None:
    fp = ":".join(["AB"] * 32)
    assert normalise_fingerprint(fp) == "ab" * 32
    with pytest.raises(BadRequest, match="SHA-1"):
        normalise_fingerprint(":".join(["AB"] * 20))
    with pytest.raises(BadRequest, match="hexadecimal"):
        normalise_fingerprint("zz" * 32)


def _build(body: dict[str, object], **kw: object) -> InstanceConfig:
    return build_instance(parse_request(body), instance_id="pve-0", others=(), **kw)  # type: ignore[arg-type]


def test_create_defaults_toggles_to_the_dashboard_defaults() -> None:
    node = _build({"type": "pve", "host": "pve.lan", "user": "root@pam", "password": "pw"})
    assert (node.monitor_vms, node.monitor_containers, node.monitor_storage) == (True, True, True)
    assert node.monitor_backups
    assert node.verify_ssl
    assert node.name == "pve.lan"
    pbs = build_instance(
        parse_request({"type": "pbs", "host": "pbs.lan", "tokenName": "t", "user": "mon",
                       "tokenValue": "s", "monitorBackups": False}),
        instance_id="pbs-0", others=(),
    )  # fmt: skip
    assert pbs.token_name == "mon@pbs!t"
    assert pbs.monitor_backups
    assert not pbs.monitor_garbage_jobs
    assert pbs.user == ""
    assert pbs.password == ""


def test_update_keeps_absent_fields_and_secrets() -> None:
    old = _build(
        {"type": "pve", "host": "pve.lan", "tokenName": "a@pam!b", "tokenValue": "secret",
         "monitorVMs": False, "name": "lab"}
    )  # fmt: skip
    new = build_instance(
        parse_request({"monitorStorage": False, "tokenValue": ""}),
        instance_id=old.id, others=(old,), old=old,
    )  # fmt: skip
    assert new.token_value == "secret"
    assert new.name == "lab"
    assert not new.monitor_vms
    assert not new.monitor_storage
    assert new.monitor_containers
    switched = build_instance(
        parse_request({"user": "root@pam", "password": "pw"}), instance_id=old.id, others=(),
        old=old,
    )  # fmt: skip
    assert switched.password == "pw"
    assert switched.token_value == ""
    assert switched.token_name == ""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "xen", "host": "h"}, "Invalid node type"),
        ({"type": "pve"}, "Host is required"),
        ({"type": "pve", "host": "h"}, "credentials required"),
        ({"type": "pve", "host": "h", "user": "root@pam"}, "credentials required"),
        ({"type": "pve", "host": "h", "tokenName": "pulse", "tokenValue": "x"}, "full token id"),
        ({"type": "pve", "host": "h", "user": "root", "password": "x"}, "user@realm"),
        ({"type": "pve", "host": "h", "user": 5, "password": "x"}, "user must be a string"),
        (
            {"type": "pve", "host": "h", "user": "a@pam", "password": "x", "verifySSL": "no"},
            "true or false",
        ),
    ],
)
def test_invalid_requests_name_the_problem(body: dict[str, object], message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        _build(body)


def test_names_are_unique_across_types() -> None:
    pve = _build({"type": "pve", "host": "h", "user": "a@pam", "password": "x", "name": "Lab"})
    with pytest.raises(BadRequest, match="already exists"):
        build_instance(
            parse_request({"type": "pbs", "host": "p", "user": "a@pbs", "password": "x",
                           "name": "lab"}),
            instance_id="pbs-0", others=(pve,),
        )  # fmt: skip


def test_api_view_has_no_secrets_and_every_toggle() -> None:
    node = _build({"type": "pve", "host": "h", "user": "a@pam", "password": "hunter2",
                   "monitorVMs": False})  # fmt: skip
    view = node_json(node, "connected")
    assert "hunter2" not in str(view)
    assert view["hasPassword"] is True
    assert view["hasToken"] is False
    assert view["monitorVMs"] is False
    assert view["monitorBackups"] is True
    assert view["clusterEndpoints"] == []
