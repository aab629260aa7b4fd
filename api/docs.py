"""API documentation served from inside the hospital: Swagger UI and ReDoc from local assets, auth schemes.

The assets come from the `fastapi-offline` package (Swagger UI bundle, its CSS and ReDoc's standalone
script), so `/docs` and `/redoc` work with no Internet access. The OpenAPI document declares the two ways to
send a key (bearer token, `X-API-Key` header) and gives every `/v1` operation an example request (curl).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs-assets"
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer pk_…`"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "`X-API-Key: pk_…`"},
}
PATH_EXAMPLES = {
    "interaction_id": "call-000123",
    "analysis_id": "an-3f2a9c1b7e0d",
    "friction_id": "fr-1a2b3c4d5e6f",
    "action_id": "ac-3f2a9c1b7e0d-callback",
    "theme_id": "th-6d5d07ba25",
    "patient_ref": "p-8f3a1c",
}


def _example(parameter: dict[str, Any]) -> Any:
    """A query parameter's example: its own, or the first of its schema's `examples`."""
    if parameter.get("example") is not None:
        return parameter["example"]
    for examples in (parameter.get("examples"), parameter.get("schema", {}).get("examples")):
        if isinstance(examples, list) and examples:
            return examples[0]
    return None


def _curl(method: str, path: str, operation: dict[str, Any]) -> str:
    url = re.sub(r"\{(\w+)\}", lambda m: PATH_EXAMPLES.get(m.group(1), m.group(1)), path)
    query: list[tuple[str, Any]] = []
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        example = _example(parameter)
        for value in example if isinstance(example, list) else [example]:
            if value is not None and value != "":
                query.append((parameter["name"], value))
    if query:
        url += "?" + urlencode(query, quote_via=quote)
    lines = [f"curl -X {method.upper()} 'http://127.0.0.1:8000{url}'", "  -H 'Authorization: Bearer pk_…'"]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = body.get("schema", {})
    example = body.get("example") or (schema.get("examples") or [None])[0]
    if example is not None or "requestBody" in operation:
        import json

        lines += [
            "  -H 'Content-Type: application/json'",
            f"  -d '{json.dumps(example or {}, ensure_ascii=False)}'",
        ]
    return " \\\n".join(lines)


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with its security schemes and an example request per operation."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = document.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    schemas = components.get("schemas", {})
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if not path.startswith("/v1"):
                continue
            operation["security"] = [{"bearer": []}, {"apiKey": []}]
            ref = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            target = schemas.get(str(ref.get("$ref", "")).rsplit("/", 1)[-1], {})
            if target.get("examples"):
                operation["requestBody"]["content"]["application/json"]["example"] = target["examples"][0]
            operation["x-codeSamples"] = [
                {"lang": "Shell", "label": "curl", "source": _curl(method, path, operation)}
            ]
    app.openapi_schema = document
    return document


def install_docs(app: FastAPI) -> None:
    """Serve /docs (Swagger UI) and /redoc from local assets, and the documented OpenAPI."""
    app.mount(ASSETS_URL, StaticFiles(directory=str(ASSETS)), name="docs-assets")
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — Swagger UI",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — ReDoc",
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
