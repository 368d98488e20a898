"""The generated setup scripts, run under bash with recording stand-ins for the Proxmox tools,
registering against the real Pulse app on loopback and the simulator."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse import keys
from pulse.app import create_app
from pulse.config.settings import Settings
from pulse.simulator import Simulator
from pulse.simulator.info import ServerInfo

Client = TestClient[web.Request, web.Application]

# A stand-in keeps its state in files under $STATE and appends every call to $STATE/calls.
PVEUM = r"""#!/bin/bash
echo "pveum $*" >>"$STATE/calls"
case "$*" in
  "user list --output-format json")
    if [ -e "$STATE/user" ]; then echo '[{"userid":"pulse-monitor@pam","enable":1}]'; else echo '[]'; fi ;;
  "user add "*) touch "$STATE/user" ;;
  "role list --output-format json") echo '[{"roleid":"PVEAuditor","special":1}]' ;;
  "user token list "*)
    if [ -e "$STATE/token" ]; then printf '[\n  {\n    "tokenid" : "%s"\n  }\n]\n' "$(cat "$STATE/token")"; else echo '[]'; fi ;;
  "user token remove "*) rm "$STATE/token" ;;
  "user token add "*)
    [ -e "$STATE/token" ] && { echo "token already exists" >&2; exit 255; }
    echo "$5" >"$STATE/token"
    printf '{"full-tokenid":"%s","info":{"privsep":"0"},"value":"%s"}\n' "$SIM_TOKEN_ID" "$SIM_TOKEN_SECRET" ;;
  *) ;;
esac
"""
PBSMGR = r"""#!/bin/bash
echo "proxmox-backup-manager $*" >>"$STATE/calls"
case "$*" in
  "user list --output-format json") echo '[]' ;;
  "user list-tokens "*) echo '[]' ;;
  "user generate-token "*)
    printf '{"tokenid":"%s","value":"%s"}\n' "$SIM_TOKEN_ID" "$SIM_TOKEN_SECRET" ;;
  *) ;;
esac
"""
STANDINS = {
    "pveum": PVEUM,
    "proxmox-backup-manager": PBSMGR,
    "pveversion": '#!/bin/bash\necho "pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.8-2-pve)"\n',
    "id": "#!/bin/bash\necho 0\n",  # the script insists on root
    "hostname": '#!/bin/bash\necho "pve1.test"\n',
}


@pytest.fixture
async def pulse_client(
    aiohttp_client: Callable[..., Awaitable[Client]], settings: Settings
) -> Client:
    return await aiohttp_client(create_app(settings))


def make_bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in STANDINS.items():
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return bin_dir


async def run_script(
    script: str, tmp_path: Path, server: ServerInfo, **env: str
) -> tuple[int, str]:
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    bin_dir = tmp_path / "bin"
    if not bin_dir.exists():
        make_bin(tmp_path)
    path = tmp_path / "setup.sh"
    path.write_text(script)
    proc = await asyncio.create_subprocess_exec(
        "/bin/bash", str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "STATE": str(state), "HOME": str(tmp_path),
             "SIM_TOKEN_ID": server.token_id, "SIM_TOKEN_SECRET": server.token_secret, **env},
    )  # fmt: skip
    output, _ = await proc.communicate()
    return proc.returncode or 0, output.decode()


async def wait_connected(client: Client, instance_id: str) -> None:
    """Until the poller of `instance_id` finished a successful cycle (bounded, not timed)."""
    for _ in range(200):
        status = client.app[keys.POLLERS].status(instance_id)
        if status is not None and status.connected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{instance_id} never polled successfully: {status}")


def calls(tmp_path: Path) -> list[str]:
    path = tmp_path / "state" / "calls"
    return path.read_text().splitlines() if path.exists() else []


async def test_pve_script_creates_user_and_token_and_registers(
    pulse_client: Client, sim: Simulator, tmp_path: Path
) -> None:
    server = next(s for s in sim.servers if s.kind == "pve" and s.cluster)
    pulse_url = str(pulse_client.make_url("")).rstrip("/")
    resp = await pulse_client.get(
        "/api/setup-script", params={"type": "pve", "host": server.url, "pulse_url": pulse_url}
    )
    assert resp.status == 200
    assert resp.headers["Content-Disposition"] == "inline; filename=pulse-setup-pve.sh"
    script = await resp.text()
    assert script.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in script

    code, output = await run_script(script, tmp_path, server)
    assert code == 0, output
    assert server.token_secret not in output
    recorded = calls(tmp_path)
    assert recorded[:2] == [
        "pveum user list --output-format json",
        "pveum user add pulse-monitor@pam --comment Pulse monitoring (read-only)",
    ]
    assert "pveum acl modify / --users pulse-monitor@pam --roles PVEAuditor" in recorded
    # PVE 8: guest agent disk usage needs VM.Monitor through a custom role
    assert "pveum role add PulseMonitor --privs VM.Monitor" in recorded
    assert "pveum acl modify /vms --users pulse-monitor@pam --roles PulseMonitor" in recorded
    assert not any("/storage" in c for c in recorded)  # backup_perms not asked for
    token_add = next(c for c in recorded if c.startswith("pveum user token add"))
    assert "--privsep 0" in token_add
    # permissions are granted before the token is registered (cluster detection needs them)
    assert recorded.index(token_add) > recorded.index(
        "pveum acl modify / --users pulse-monitor@pam --roles PVEAuditor"
    )

    [node] = pulse_client.app[keys.NODES].instances
    assert node.host == server.url
    assert node.token_name == server.token_id
    assert node.token_value == server.token_secret
    assert node.name == "pve1.test"
    assert node.is_cluster
    assert not node.verify_ssl
    await wait_connected(pulse_client, node.id)  # polling started without a restart
    [view] = await (await pulse_client.get("/api/config/nodes")).json()
    assert view["status"] == "connected"

    # the same script again: its one-time token is used up, so it stops before changing anything
    before = len(calls(tmp_path))
    code, output = await run_script(script, tmp_path, server)
    assert code != 0
    assert "registration token" in output
    assert len(calls(tmp_path)) == before

    # with a fresh token it runs again: the user exists, the token is replaced, the node updated
    fresh = await (await pulse_client.post("/api/tokens/generate", json={})).json()
    code, output = await run_script(script, tmp_path, server, PULSE_REG_TOKEN=fresh["token"])
    assert code == 0, output
    rerun = calls(tmp_path)[before:]
    assert "pveum user add pulse-monitor@pam --comment Pulse monitoring (read-only)" not in rerun
    assert any(c.startswith("pveum user token remove pulse-monitor@pam") for c in rerun)
    assert len(pulse_client.app[keys.NODES].instances) == 1


async def test_pbs_script_and_a_failing_registration_is_loud(
    pulse_client: Client, sim: Simulator, tmp_path: Path
) -> None:
    pbs = next(s for s in sim.servers if s.kind == "pbs")
    pulse_url = str(pulse_client.make_url("")).rstrip("/")
    resp = await pulse_client.post(
        "/api/setup-script", json={"type": "pbs", "host": pbs.url, "pulse_url": pulse_url}
    )
    script = await resp.text()
    # a wrong secret from the tool: Pulse's connection check refuses it, the script fails loudly
    code, output = await run_script(script, tmp_path, pbs, SIM_TOKEN_SECRET="bad-secret")
    assert code != 0
    assert "Pulse refused the registration (HTTP 400)" in output
    assert pulse_client.app[keys.NODES].instances == ()
    # the use was given back: the same script works once the problem is fixed
    code, output = await run_script(script, tmp_path, pbs)
    assert code == 0, output
    recorded = calls(tmp_path)
    assert "proxmox-backup-manager acl update / Audit --auth-id pulse-monitor@pbs" in recorded
    assert f"proxmox-backup-manager acl update / Audit --auth-id {pbs.token_id}" in recorded
    [node] = pulse_client.app[keys.NODES].instances
    assert node.kind.value == "pbs"
    assert node.monitor_datastores
    await wait_connected(pulse_client, node.id)


async def test_script_parameters_are_validated(pulse_client: Client) -> None:
    for params in (
        {"host": "https://pve.lan:8006"},
        {"type": "pve"},
        {"type": "pve", "host": "https://pve.lan:8006;rm -rf /"},
        {"type": "pve", "host": "pve.lan", "pulse_url": "http://x/$(reboot)"},
        {"type": "pve", "host": "pve.lan", "pulse_url": "http://x'y"},
    ):
        resp = await pulse_client.get("/api/setup-script", params=params)
        assert resp.status == 400, params
    resp = await pulse_client.get(
        "/api/setup-script", params={"type": "pve", "host": "pve.lan", "token": "PULSE-REG-nope"}
    )
    assert resp.status == 401


def test_bash_syntax_of_both_scripts(tmp_path: Path) -> None:
    from pulse.registration.setup_script import build_request, render

    for kind in ("pve", "pbs"):
        request = build_request(kind, "https://127.0.1.11:8006", "https://pulse.lan:7655", True)
        path = tmp_path / f"{kind}.sh"
        path.write_text(render(request, "PULSE-REG-0123", pin="sha256//abc="))
        assert os.system(f"bash -n {path}") == 0  # noqa: S605
