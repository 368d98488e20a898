"""Loopback HTTP control API: inspect the simulator, inject faults, move the manual clock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from pulse.simulator.topology import Fault

if TYPE_CHECKING:
    from pulse.simulator.simulator import Simulator

SIM_KEY = web.AppKey("simulator", object)


def _sim(request: web.Request) -> Simulator:
    return request.app[SIM_KEY]  # type: ignore[return-value]


async def _info(request: web.Request) -> web.Response:
    return web.json_response(_sim(request).info())


async def _faults(request: web.Request) -> web.Response:
    return web.json_response(_sim(request).faults())


async def _set_fault(request: web.Request) -> web.Response:
    sim = _sim(request)
    target = request.match_info["target"]
    try:
        body: Any = await request.json()
        fault = Fault(body["fault"]) if body.get("fault") else None
        latency = float(body.get("latency", 0.0))
    except (ValueError, KeyError, TypeError, AttributeError):
        return web.json_response(
            {
                "error": f'body must be {{"fault": one of {[f.value for f in Fault]}, '
                '"latency": seconds}'
            },
            status=400,
        )
    try:
        await sim.set_fault(target, fault, latency=latency)
    except KeyError as err:
        return web.json_response({"error": str(err)}, status=404)
    except ValueError as err:
        return web.json_response({"error": str(err)}, status=400)
    return web.json_response(
        {"target": target, "faults": sim.faults(), "fingerprint": sim.fingerprint(target)}
    )


async def _clear_fault(request: web.Request) -> web.Response:
    sim = _sim(request)
    try:
        await sim.set_fault(request.match_info["target"], None)
    except KeyError as err:
        return web.json_response({"error": str(err)}, status=404)
    return web.json_response({"faults": sim.faults()})


async def _advance(request: web.Request) -> web.Response:
    sim = _sim(request)
    try:
        seconds = float((await request.json())["seconds"])
        sim.clock.advance(seconds)
    except (ValueError, KeyError, TypeError) as err:
        return web.json_response(
            {"error": f'body must be {{"seconds": n >= 0}}: {err}'}, status=400
        )
    return web.json_response({"now": sim.now()})


async def _truth(request: web.Request) -> web.Response:
    """Ground truth of every guest right now (cpu fraction, bytes, counter rates in bytes/s)."""
    sim = _sim(request)
    t = sim.now()
    guests = []
    for g in sim.model.all_guests():
        s = g.sample(t)
        r = g.spec.rates
        guests.append(
            {
                "instance": g.instance.name,
                "node": g.node,
                "vmid": g.vmid,
                "type": g.kind.value,
                "name": g.spec.name,
                "running": s.running,
                "cpu": s.cpu,
                "mem": s.mem,
                "maxmem": g.spec.maxmem,
                "uptime": s.uptime,
                "rates": {
                    "netin": r.netin,
                    "netout": r.netout,
                    "diskread": r.diskread,
                    "diskwrite": r.diskwrite,
                },
            }
        )
    nodes = [
        {
            "instance": n.instance.name,
            "node": n.name,
            "online": n.online,
            "cpu": n.cpu(t),
            "mem": n.mem(t),
        }
        for inst in sim.model.pve.values()
        for n in inst.nodes.values()
    ]
    return web.json_response({"now": t, "nodes": nodes, "guests": guests})


class ControlServer:
    def __init__(self, sim: Simulator) -> None:
        app = web.Application()
        app[SIM_KEY] = sim
        app.router.add_get("/info", _info)
        app.router.add_get("/faults", _faults)
        app.router.add_post("/faults/{target}", _set_fault)
        app.router.add_put("/faults/{target}", _set_fault)
        app.router.add_delete("/faults/{target}", _clear_fault)
        app.router.add_post("/clock/advance", _advance)
        app.router.add_get("/truth", _truth)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)

    async def start(self, port: int) -> str:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server  # the bound port when 0 was requested
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        bound = sockets[0].getsockname()[1] if sockets else port
        return f"http://127.0.0.1:{bound}"

    async def stop(self) -> None:
        await self._runner.cleanup()
