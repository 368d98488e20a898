"""PVE/PBS clients against the simulator: auth modes, typed errors, probe_instance."""

from __future__ import annotations

import aiohttp
import pytest

from pulse.config.nodes import InstanceKind
from pulse.proxmox import (
    ApiError,
    AuthError,
    FingerprintMismatch,
    PveClient,
    RequestTimeout,
    UnreachableError,
    probe_instance,
)
from pulse.simulator import Fault, Simulator
from tests.monitoring import instance_for


async def test_probe_cluster_and_pbs(sim: Simulator) -> None:
    cluster = await probe_instance(instance_for(sim.server("homelab"), "pve-0"), timeout=5)
    assert cluster.is_cluster
    assert cluster.cluster_name == "homelab"
    assert cluster.node_names == ("pve1", "pve2", "pve3")
    assert {e.ip for e in cluster.endpoints} == {
        u.split("//")[1].split(":")[0] for u in sim.server("homelab").node_urls
    }
    single = await probe_instance(instance_for(sim.server("pve-edge"), "pve-1"), timeout=5)
    assert not single.is_cluster
    assert single.node_names == ("pve-edge",)
    pbs = await probe_instance(instance_for(sim.server("pbs1"), "pbs-0"), timeout=5)
    assert pbs.kind is InstanceKind.PBS
    assert pbs.version
    assert pbs.datastores


async def test_password_login_and_relogin_after_ticket_expiry(sim: Simulator) -> None:
    server = sim.server("pve-edge")
    instance = instance_for(
        server,
        "pve-0",
        token_name="",
        token_value="",
        user=server.username,
        password=server.password,
    )
    async with aiohttp.ClientSession() as session:
        client = PveClient(instance, session, timeout=lambda: 5)
        assert (await client.version())["version"]
        sim.expire_tickets("pve-edge")  # every ticket issued so far now answers 401
        assert await client.nodes()  # one re-login, then the call succeeds
        assert client.stats.failed == 1


async def test_errors_are_typed_and_free_of_secrets(sim: Simulator) -> None:
    server = sim.server("pve-edge")
    bad = instance_for(server, "pve-0", token_value="wrong-secret-value")
    with pytest.raises(AuthError) as auth:
        await probe_instance(bad, timeout=5)
    assert "wrong-secret-value" not in str(auth.value)
    assert server.token_secret not in str(auth.value)

    wrong_pin = instance_for(server, "pve-0", fingerprint="00" * 32)
    with pytest.raises(FingerprintMismatch, match="fingerprint changed/mismatch"):
        await probe_instance(wrong_pin, timeout=5)

    await sim.set_fault("pve-edge", Fault.HANG)
    with pytest.raises(RequestTimeout, match=r"did not answer within 0\.5 s"):
        await probe_instance(instance_for(server, "pve-0"), timeout=0.5)
    await sim.set_fault("pve-edge", Fault.OFFLINE)
    with pytest.raises(UnreachableError, match="cannot connect"):
        await probe_instance(instance_for(server, "pve-0"), timeout=2)
    await sim.set_fault("pve-edge", None)


async def test_malformed_answer_is_an_api_error(sim: Simulator) -> None:
    await sim.set_fault("pve-edge", Fault.MALFORMED)
    with pytest.raises(ApiError, match="unreadable data"):
        await probe_instance(instance_for(sim.server("pve-edge"), "pve-0"), timeout=2)
    await sim.set_fault("pve-edge", Fault.ERROR500)
    with pytest.raises(ApiError, match="answered 500"):
        await probe_instance(instance_for(sim.server("pve-edge"), "pve-0"), timeout=2)
    await sim.set_fault("pve-edge", None)
