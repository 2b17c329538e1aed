"""The citizen H5 page (resources/citizen): ``/``, ``/join`` (the SMS link) and its assets."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from officer_console.paths import resource

ASSETS = {"app.js": "text/javascript", "style.css": "text/css", "index.html": "text/html"}
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
    "connect-src 'self' ws: wss:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
)


def citizen_dir() -> Path:
    return resource("citizen")


async def index(request: web.Request) -> web.StreamResponse:
    response = web.FileResponse(citizen_dir() / "index.html")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response


async def asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    response = web.FileResponse(citizen_dir() / name)
    response.headers["Content-Type"] = f"{ASSETS[name]}; charset=utf-8"
    return response


def setup(app: web.Application) -> None:
    for path in ("/", "/join", "/citizen/"):
        app.router.add_get(path, index)
    app.router.add_get("/citizen/{name}", asset)
