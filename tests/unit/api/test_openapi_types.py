"""The OpenAPI document an integrator reads: typed answers, documented errors, an example request each."""

from __future__ import annotations

from typing import Any

from api.schemas import SearchResult

TYPED = {
    ("post", "/v1/interactions"): "IngestResponse",
    ("get", "/v1/interactions/{interaction_id}"): "InteractionView",
    ("get", "/v1/search"): "SearchResult",
    ("post", "/v1/classify"): "ClassifyResult",
    ("post", "/v1/analyses"): "AnalysisStatus",
    ("get", "/v1/analyses/{analysis_id}"): "AnalysisStatus",
    ("get", "/v1/analyses/{analysis_id}/report"): "ReportDocument",
    ("get", "/v1/themes"): "ThemesPage",
    ("patch", "/v1/themes/{theme_id}"): "ThemeView",
    ("get", "/v1/frictions"): "FrictionsPage",
    ("get", "/v1/frictions/{friction_id}"): "FrictionDetail",
    ("get", "/v1/actions"): "ActionsPage",
    ("patch", "/v1/actions/{action_id}"): "ActionDetail",
}


def _success(operation: dict[str, Any]) -> dict[str, Any]:
    responses = operation["responses"]
    return responses.get("200") or responses.get("202") or {}


def test_every_operation_answers_a_named_type_and_documents_its_errors(world: Any) -> None:
    schema = world.client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    for (method, path), name in TYPED.items():
        content = _success(schema["paths"][path][method])["content"]["application/json"]
        assert content["schema"] == {"$ref": f"#/components/schemas/{name}"}, (method, path)
    for path, operations in schema["paths"].items():
        if not path.startswith("/v1"):
            continue
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            content = _success(operation)["content"]
            if "text/event-stream" in content:  # the chat streams events, documented with an example
                assert "application/json" not in content and content["text/event-stream"]["example"]
            else:
                assert "$ref" in str(content["application/json"]["schema"]), where
            errors = {code for code in operation["responses"] if code.startswith(("4", "5"))}
            assert {"401", "403", "422"} <= errors, where
            if "{" in path:
                assert "404" in errors, where
            for code in errors:
                body = operation["responses"][code].get("content", {}).get("application/json", {})
                assert body.get("schema") == {"$ref": "#/components/schemas/ErrorBody"}, f"{where} {code}"
            assert operation["x-codeSamples"][0]["source"].startswith(f"curl -X {method.upper()}"), where
    # the domain objects are typed all the way down
    status = components["AnalysisStatus"]["properties"]["result"]["anyOf"][0]
    assert status == {"$ref": "#/components/schemas/AnalysisResult"}
    result = components["AnalysisResult"]["properties"]
    for field, model in (("frictions", "Friction"), ("actions", "Action"), ("themes", "ThemeResult")):
        assert result[field]["items"] == {"$ref": f"#/components/schemas/{model}"}
    assert components["KpiSeries"]["properties"]["rows"]["items"] == {"$ref": "#/components/schemas/KpiRow"}
    assert components["ThemesPage"]["properties"]["themes"]["items"] == {
        "$ref": "#/components/schemas/ThemeView"
    }
    # the example requests of search and classify carry real values
    search = schema["paths"]["/v1/search"]["get"]["x-codeSamples"][0]["source"]
    assert (
        "search?q=personne%20ne%20r%C3%A9pond&k=5&start=2026-11-16" in search
        and "where=channel%3Dphone" in search
    )
    classify = schema["paths"]["/v1/classify"]["post"]["x-codeSamples"][0]["source"]
    assert "renouveler mon ordonnance" in classify
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "apiKey"}


def test_search_answers_the_documented_type(world: Any) -> None:
    res = world.client.get("/v1/search?q=ordonnance&k=3", headers=world.headers("alpha", "read"))
    assert res.status_code == 200, res.text
    body = res.json()
    assert SearchResult.model_validate(body).hits
    assert set(body["hits"][0]) == set(SearchResult.model_fields["hits"].annotation.__args__[0].model_fields)  # type: ignore[union-attr]


def test_health_and_readiness_are_typed(world: Any) -> None:
    schema = world.client.get("/openapi.json").json()
    assert _success(schema["paths"]["/healthz"]["get"])["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Health"
    }
    ready = schema["paths"]["/readyz"]["get"]["responses"]
    assert ready["503"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Readiness"}
