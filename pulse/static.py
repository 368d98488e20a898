"""Serves the browser dashboard from the installed package (wheel, editable or zipapp).

In a wheel the top-level `web/` folder is packaged as `pulse/web`; in a source checkout it sits
next to the package. Unknown non-API paths get index.html so the dashboard's routes work on
reload.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aiohttp import web

from pulse.api.middlewares import is_api_path


def web_root() -> Path:
    packaged = Path(str(resources.files("pulse") / "web"))
    if (packaged / "index.html").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "web"


class StaticFiles:
    """GET handler for everything that is not an API route."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def resolve(self, path: str) -> Path | None:
        relative = path.lstrip("/") or "index.html"
        try:
            candidate = (self.root / relative).resolve()
            if not candidate.is_relative_to(self.root) or not candidate.is_file():
                return None
        except (OSError, ValueError):  # a NUL byte, a name too long: no such file either
            return None
        return candidate

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info.get("path", "")
        if is_api_path(request.path):
            raise web.HTTPNotFound()
        target = self.resolve(path)
        if target is None:
            if "." in path.rsplit("/", 1)[-1]:  # a missing asset, not a dashboard route
                raise web.HTTPNotFound()
            target = self.resolve("index.html")
            if target is None:
                raise web.HTTPNotFound()
        response = web.FileResponse(target)
        # index.html must be revalidated so a new version is picked up; assets may be cached
        # briefly (they are not content-hashed: no build step).
        cache = "no-cache" if target.name == "index.html" else "public, max-age=300"
        response.headers["Cache-Control"] = cache
        return response


def add_static_routes(app: web.Application) -> None:
    files = StaticFiles(web_root())
    # Everything but the API and the websocket, so unknown API paths stay 404 (not 405).
    app.router.add_get(r"/{path:(?!api/|api$|ws$|ws/).*}", files.handle)
