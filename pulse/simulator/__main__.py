"""`python -m pulse.simulator`: serve a simulated topology on loopback until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import signal
import sys
from collections.abc import Callable

import orjson

from pulse.simulator.builders import demo_topology, homelab_topology, scaled_topology
from pulse.simulator.clock import SimClock
from pulse.simulator.simulator import Simulator
from pulse.simulator.topology import Topology


def _at_least(minimum: float, kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value >= minimum or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be a finite number >= {minimum}, got {text}")
        return value

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m pulse.simulator", description=__doc__)
    p.add_argument("--topology", choices=("demo", "homelab", "scaled"), default="demo")
    p.add_argument(
        "--nodes", type=_at_least(1, int), default=100, help="scaled: number of PVE nodes"
    )
    p.add_argument("--guests", type=_at_least(0, int), default=5000, help="scaled: guests")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument(
        "--speed",
        type=_at_least(1e-3, float),
        default=1.0,
        help="simulated seconds per real second",
    )
    p.add_argument("--pve-port", type=int, default=0, help="0 = a free port shared by every node")
    p.add_argument("--pbs-port", type=int, default=0)
    p.add_argument("--control-port", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the connection facts as JSON first")
    return p.parse_args(argv)


def build(args: argparse.Namespace) -> Topology:
    if args.topology == "scaled":
        topo = scaled_topology(
            args.nodes, args.guests, **({"seed": args.seed} if args.seed is not None else {})
        )
    elif args.topology == "homelab":
        topo = homelab_topology(*(() if args.seed is None else (args.seed,)))
    else:
        topo = demo_topology(*(() if args.seed is None else (args.seed,)))
    return dataclasses.replace(
        topo, pve_port=args.pve_port, pbs_port=args.pbs_port, control_port=args.control_port
    )


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with Simulator(
        build(args), clock=SimClock(speed=args.speed), agent_ping_delay=3.0
    ) as sim:
        if args.json:
            sys.stdout.write(orjson.dumps(sim.info()).decode() + "\n")
            sys.stdout.flush()
        else:
            for s in sim.servers:
                print(
                    f"{s.kind} {s.name}: {s.url} token {s.token_id} fingerprint {s.fingerprint}",
                    flush=True,
                )
            print(f"control: {sim.control_url}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
