"""``batchlab serve``: a local web page of the store's studies, live while they run.

A small Starlette app, served by uvicorn (``pip install 'batchlab[live]'``):

- ``GET /``: the page (``static/page.html``): it holds no data, only the poll interval;
- ``GET /static/NAME``: one of the files in :data:`STATIC`, looked up by name in that dict,
  never as a path (the page's script, its style, and uPlot, vendored with its licence);
- ``GET /api/studies``: the studies in the store (``Store.studies()``) as JSON;
- ``GET /api/study?name=NAME``: one study's :class:`~batchlab.live.LiveView` as JSON.

The page polls the two JSON endpoints about once a second and draws each study's curves
with uPlot from that data, so they grow without a reload; every name from a spec reaches the
page as JSON and is put in as text (``textContent``), never as HTML. The server reads the
store only, binds 127.0.0.1 unless told otherwise, and answers only requests addressed to
that host (against DNS rebinding).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from batchlab._extras import need
from batchlab._format import to_json_safe
from batchlab.errors import BatchlabError, StoreError
from batchlab.live._model import read_view
from batchlab.store import Store, default_store_path

STATIC = {
    "live.js": "text/javascript; charset=utf-8",
    "live.css": "text/css; charset=utf-8",
    "uPlot.iife.min.js": "text/javascript; charset=utf-8",
    "uPlot.min.css": "text/css; charset=utf-8",
    "uPlot.LICENSE": "text/plain; charset=utf-8",
}
"""The files the page may load: name -> content type (package data in ``live/static``)."""

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
"""Sent with every answer: nothing but the page's own files runs or loads."""

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _static(name: str) -> bytes:
    return resources.files("batchlab.live").joinpath("static", name).read_bytes()


def make_app(
    store: str | os.PathLike[str] | None = None,
    *,
    refresh: float = 1.0,
    hosts: tuple[str, ...] = LOOPBACK,
):
    """The Starlette app of the live page for the store at ``store`` (default
    ``./batchlab.db`` or ``$BATCHLAB_STORE``); the page polls every ``refresh`` seconds.

    ``hosts`` are the host names requests may be addressed to (others get 400). The store
    may not exist yet: the page then says so, and shows the studies once a runner makes it.
    """
    need("starlette", "live", "batchlab serve")
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.responses import Response
    from starlette.routing import Route

    path = Path(store) if store is not None else default_store_path()
    page = _static("page.html").decode("utf-8").replace("{{refresh_ms}}", str(int(refresh * 1000)))
    files = {name: _static(name) for name in STATIC}

    def answer(body, status: int = 200) -> Response:
        text = json.dumps(to_json_safe(body), allow_nan=False)
        return Response(text, status, headers=HEADERS, media_type="application/json")

    def opened() -> Store | None:
        try:
            return Store(path, create=False)
        except StoreError:
            return None

    def index(request):
        return Response(page, media_type="text/html; charset=utf-8", headers=HEADERS)

    def static(request):
        name = request.path_params["name"]
        if name not in files:
            return Response("not found", status_code=404, headers=HEADERS)
        return Response(files[name], media_type=STATIC[name], headers=HEADERS)

    def studies(request):
        st = opened()
        if st is None:
            return answer({"store": str(path), "exists": False, "studies": []})
        with st:
            frame = st.studies()
        rows = frame[["name", "status", "trials", "epochs_done", "epochs_planned", "created"]]
        return answer({"store": str(path), "exists": True, "studies": rows.to_dict("records")})

    def study(request):
        name = request.query_params.get("name", "")
        st = opened()
        if st is None:
            return answer({"error": f"no store at {str(path)!r}"}, 404)
        with st:
            try:
                view = read_view(st, name)
            except StoreError as exc:
                return answer({"error": str(exc)}, 404)
        return answer(view.to_dict())

    routes = [
        Route("/", index),
        Route("/static/{name}", static),
        Route("/api/studies", studies),
        Route("/api/study", study),
    ]
    guard = Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))
    return Starlette(routes=routes, middleware=[guard])


def serve(
    store: str | os.PathLike[str] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    refresh: float = 1.0,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the live page until interrupted (Ctrl-C).

    ``port`` 0 takes a free port; ``ready`` is called with the page's URL once the socket
    is bound (the CLI prints it).
    """
    need("uvicorn", "live", "batchlab serve")
    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)  # connections wait in the backlog until uvicorn accepts them
    except OSError as exc:
        sock.close()
        raise BatchlabError(f"--host {host} --port {port}: cannot listen there ({exc})") from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    hosts = LOOPBACK if host in LOOPBACK else (*LOOPBACK, host)
    app = make_app(store, refresh=refresh, hosts=hosts)
    config = uvicorn.Config(
        app, http="h11", ws="none", lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    if ready is not None:
        ready(f"http://{shown}:{bound}/")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
