"""The ASGI application: one FastAPI app for both runtimes, built around a `Bindings`."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import errors
from core.bindings import Bindings
from core.inputs import BodyLimit
from routes import guard, pages

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline'; script-src 'self';"
    " connect-src 'self';"
    " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Defaults for every response; a handler that sets its own header (e.g. a looser CSP) wins."""

    def __init__(self, app: ASGIApp, production: bool):
        self.app = app
        self.defaults = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"content-security-policy", CSP.encode()),
            (b"x-frame-options", b"DENY"),
        ]
        if production:
            self.defaults.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                own_csp = next((v for k, v in headers if k.lower() == b"content-security-policy"), b"")
                if b"frame-ancestors" in own_csp:
                    # A page that says who may frame it (a widget on customers' sites) must not
                    # also carry DENY, which browsers without CSP frame-ancestors would obey.
                    present.add(b"x-frame-options")
                headers += [(k, v) for k, v in self.defaults if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def route_keys(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every API route, however FastAPI nests included routers internally."""
    from fastapi import routing

    walk = getattr(routing, "iter_route_contexts", None)  # FastAPI >= 0.13x keeps routers nested
    keys: set[tuple[str, str]] = set()
    for route in walk(app.routes) if walk else app.routes:
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if path and methods:
            keys |= {(method, path) for method in methods}
    return keys


def _document(app: FastAPI, paths: dict[str, Any]) -> None:
    """Add the plain routes' hand-written operations to FastAPI's generated schema."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI builds it once and keeps it; adding the paths again is a no-op
        schema["paths"] = {**schema.get("paths", {}), **paths}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _without_telemetry() -> dict[str, Any]:
    """Porchlight exports no OpenTelemetry. FastAPI releases with native telemetry otherwise ask the
    global providers on every request (about 6% of a webhook intake); older ones have no such option."""
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}


def create_app(bindings: Bindings) -> FastAPI:
    from routes import PLAIN_OPENAPI, PLAIN_ROUTES, ROUTERS
    from routes.open_records import load_tray
    from routes.outbox_kick import DeliverAfterResponse

    app = FastAPI(
        title="Porchlight",
        version="0.1.0",
        description="Lead-to-cash workspace for home-service businesses. Authenticate with "
        "`Authorization: Bearer <token>` (create one under Account).",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by routes/system.py so it passes the authorization gate too
        dependencies=[Depends(guard.authorize_route), Depends(load_tray)],  # the gate first
        **_without_telemetry(),
    )
    app.state.bindings = bindings
    app.router.routes[:0] = PLAIN_ROUTES
    for router in ROUTERS:
        app.include_router(router)
    _document(app, PLAIN_OPENAPI)
    pages.install_error_handlers(app)
    app.add_exception_handler(errors.Refused, pages.refusal)  # the one error path: 404/409/422/403
    if bindings.static_dir is not None and bindings.static_dir.exists():
        app.mount("/static", StaticFiles(directory=bindings.static_dir / "static"), name="static")
    app.add_middleware(DeliverAfterResponse)  # issue 21: the outbox after the response
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders, production=bindings.settings.production)
    return app
