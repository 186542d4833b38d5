"""Health, OpenAPI and API docs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from core.storage import DatabaseError, migrations
from routes.guard import bindings_of

router = APIRouter()


@router.get("/healthz", tags=["system"], summary="Liveness and database check")
async def healthz(request: Request) -> JSONResponse:
    db = bindings_of(request).db
    try:
        applied = await migrations.applied_count(db)
    except DatabaseError:
        return JSONResponse({"ok": False, "db": "error", "migrations": None}, status_code=503)
    return JSONResponse({"ok": True, "db": "ok", "migrations": applied})


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> dict[str, Any]:
    return request.app.openapi()


@router.get("/api/docs", include_in_schema=False)
async def api_docs() -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Porchlight API",
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
    # Swagger UI boots from an inline script; loosen the script policy for this page only.
    page.headers["content-security-policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
        " script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    return page
