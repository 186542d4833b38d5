"""Request authentication and the per-route authorization gate.

`authorize_route` is installed as an app-wide dependency, so it runs for every route before the
handler: it identifies the caller (session cookie or Bearer token), checks CSRF for cookie-backed
unsafe requests, and asks `authz` whether the route's action is allowed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import HTTPException, Request
from starlette.routing import BaseRoute, Route

from accounts import api_tokens, authz, sessions
from accounts.sessions import Session
from accounts.users import User
from core.bindings import Bindings
from core.errors import Forbidden
from core.filestore import FileStore
from core.records import Actor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    def __init__(self, next_url: str = "/", api: bool = False, expired: bool = False):
        self.next_url, self.api, self.expired = next_url, api, expired


class FinishSigningIn(Exception):
    """The session has something pending (a forced password change, a required second factor):
    a page goes to where it is done; the API answers 403 saying so."""

    def __init__(self, url: str):
        self.url = url


@dataclass(frozen=True)
class Principal:
    user: User | None
    session: Session | None = None
    via: str | None = None  # "session" | "token"


def bindings_of(request: Request) -> Bindings:
    return request.app.state.bindings


def wants_json(request: Request) -> bool:
    path = request.url.path
    return (
        path.startswith("/api/")
        or path.startswith("/webhook")
        or "application/json" in request.headers.get("accept", "")
    )


def client_ip(request: Request) -> str | None:
    return request.headers.get("cf-connecting-ip") or (request.client.host if request.client else None)


def actor_of(request: Request) -> Actor:
    """The signed-in user as audit rows record them, with the address the request came from."""
    user = current_user(request)
    return Actor(user.id, user.name, client_ip(request))


def files_of(request: Request) -> FileStore:
    """The file store binding, or a 503 that says how to configure it."""
    store = bindings_of(request).files
    if store is None:
        raise HTTPException(503, "File storage is not configured (bind an R2 bucket as FILES).")
    return store


async def identify(request: Request) -> Principal:
    b = bindings_of(request)
    now = b.clock.now()
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = await api_tokens.authenticate(b.db, now, header[7:].strip())
        if user is None:
            raise LoginRequired(api=True)
        return Principal(user, None, "token")
    token = request.cookies.get(sessions.cookie_name(b.settings))
    if not token:
        return Principal(None)
    session = await sessions.resume(b.db, now, b.settings, token)
    if session is None:
        request.state.session_expired = True
        return Principal(None)
    return Principal(session.user, session, "session")


def _expected_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


async def check_csrf(request: Request, session: Session) -> None:
    """Reject cross-site or token-less unsafe requests (OWASP CSRF: Fetch Metadata + synchronizer token)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden("Cross-site request refused.")
    origin = request.headers.get("origin")
    if origin and origin != _expected_origin(request):
        raise Forbidden("Request from another site refused.")
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, session.csrf_token):
        raise Forbidden("Your form expired or came from elsewhere. Reload the page and try again.")


async def authorize_route(request: Request) -> None:
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    rule = authz.route_rule(request.method, path)
    if rule is None:
        raise Forbidden("This route has no permission rule.")
    principal = await identify(request)
    request.state.user = principal.user
    request.state.session = principal.session
    if rule == authz.PUBLIC:
        return
    if principal.user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(
            quote(target, safe="/?=&"),
            api=wants_json(request),
            expired=bool(getattr(request.state, "session_expired", False)),
        )
    if (
        principal.via == "session"
        and principal.session is not None
        and request.method not in SAFE_METHODS
        and (request.method, path) not in authz.CSRF_EXEMPT
    ):
        await check_csrf(request, principal.session)
    pending = principal.session.pending if principal.session else None
    if pending and (request.method, path) not in authz.PENDING_ALLOWED:
        if wants_json(request):
            raise Forbidden("Finish signing in first: " + _PENDING_TEXT[pending])
        raise FinishSigningIn(authz.PENDING_PAGE[pending])
    if not authz.can(principal.user, rule):
        raise Forbidden()


_PENDING_TEXT = {
    "password": "choose a new password under Account security.",
    "two_factor": "your role requires two-step sign-in; set it up under Account security.",
}


def public_routes(routes: list[Route]) -> list[BaseRoute]:
    """Plain Starlette routes served ahead of the FastAPI routers, without the per-request gate.

    For the hottest public path only (partner webhooks): FastAPI's dependency solving and router walk
    cost about a quarter of an intake. Such a route has no caller to identify and nothing to check per
    request, so its rule is checked here, once, when the app is built: each (method, path) must be
    PUBLIC in `authz.ROUTES`, or the app refuses to start — the same default deny as the gate's.
    """
    for route in routes:
        for method in route.methods or ():
            if method != "HEAD" and authz.route_rule(method, route.path) != authz.PUBLIC:
                raise RuntimeError(f"{method} {route.path} is not PUBLIC in authz.ROUTES; it needs the gate")
    return list(routes)


def current_user(request: Request) -> User:
    """For handlers behind a non-public rule: the gate already guaranteed a user."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise LoginRequired()
    return user
