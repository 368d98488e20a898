"""Pulse monitoring a large simulated estate: CPU, memory, time to full state, API latency.

Runs the simulator in its own process (`python -m pulse.simulator --json`, loopback only) so
the figures are Pulse's alone, then monitors it with the real app in this process.

    .venv/bin/python benchmarks/poll_scale.py --nodes 100 --guests 5000 --seconds 60

Prints one JSON document; record notable runs in benchmarks/RESULTS.md (medians, this machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from pulse import keys
from pulse.app import create_app
from pulse.config.nodes import InstanceConfig, InstanceKind
from pulse.config.settings import load_settings


def rss_mb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(row for row in status if row.startswith("VmRSS:"))
    return round(int(line.split()[1]) / 1024)


def start_simulator(nodes: int, guests: int) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    command = [sys.executable, "-m", "pulse.simulator", "--topology", "scaled",
               "--nodes", str(nodes), "--guests", str(guests), "--json"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    process, info = start_simulator(args.nodes, args.guests)
    try:
        settings = load_settings(
            {}, overrides={"data_dir": tempfile.mkdtemp(), "polling_interval": args.interval}
        )
        app = create_app(settings)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            registry = app[keys.NODES]
            for server in info["servers"]:
                kind = InstanceKind(server["kind"])
                await registry.put(InstanceConfig(
                    id=registry.next_id(kind), kind=kind, name=server["name"],
                    host=server["url"], token_name=server["tokenId"],
                    token_value=server["tokenSecret"], fingerprint=server["fingerprint"],
                ))  # fmt: skip
            started = time.monotonic()
            expected_nodes = args.nodes
            store = app[keys.STATE]
            while True:  # read the snapshot directly: parsing 7 MB of JSON would skew the RSS
                snapshot = store.snapshot
                if len(snapshot.nodes) >= expected_nodes and snapshot.pve_backups.storage_backups:
                    break
                await asyncio.sleep(0.25)
            full_state_s = time.monotonic() - started
            await asyncio.sleep(args.interval * 2)
            rss_full_state = rss_mb()

            cpu0, wall0 = time.process_time(), time.monotonic()
            latencies = []
            # A plain session: the test client keeps every response until it closes.
            async with aiohttp.ClientSession() as session:
                while time.monotonic() - wall0 < args.seconds:
                    t = time.perf_counter()
                    async with session.get(client.make_url("/api/state")) as response:
                        body = await response.read()
                    latencies.append((time.perf_counter() - t) * 1000)
                    await asyncio.sleep(1)
            cpu_share = (time.process_time() - cpu0) / (time.monotonic() - wall0)
            rss_polling = rss_mb()

            t = time.perf_counter()
            metrics = await (await client.get("/metrics")).read()
            metrics_s = time.perf_counter() - t
            return {
                "nodes": len(snapshot.nodes),
                "guests": len(snapshot.guests()),
                "pollingInterval": args.interval,
                "fullStateSeconds": round(full_state_s, 2),
                "cpuShareOfOneCore": round(cpu_share, 3),
                "rssAtFullStateMB": rss_full_state,
                "rssAfterServingStateMB": rss_polling,
                "maxRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "stateBytes": len(body),
                "stateLatencyMsMedian": round(statistics.median(latencies), 1),
                "metricsSeconds": round(metrics_s, 2),
                "metricsBytes": len(metrics),
            }
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--guests", type=int, default=5000)
    parser.add_argument("--interval", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=60)
    print(json.dumps(asyncio.run(measure(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
