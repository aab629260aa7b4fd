"""Semantic search over transcripts, and classification of a live interaction against the known frictions."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import EmbedderDep, IndexDep, ReadKey, StoreDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, bad_request
from api.routes.kpis import parse_filters
from api.schemas import ClassifyResult, SearchHitView, SearchResult, ThemeMatchView
from api.serialize import to_jsonable
from core.periods import check_day, period_between

router = APIRouter(prefix="/v1", tags=["search"], responses=ERROR_RESPONSES)


_INT_LIMIT = 2**63 - 1


def search_filters(where: list[str] | None) -> dict[str, Any] | None:
    """The `where` filters, checked like the search will read them: a bad name or value is a 400."""
    filters = parse_filters(where)
    from store.retrieval import parse_where

    try:
        for name, _op, value in parse_where(filters):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, int) and not isinstance(item, bool) and abs(item) > _INT_LIMIT:
                    raise ValueError(f"{name} is out of range")
                if isinstance(item, date):
                    check_day(item, name)
    except (ValueError, OverflowError) as exc:
        raise bad_request(f"bad filter: {exc}") from exc
    return filters


def _unavailable(what: str) -> ApiError:
    return ApiError(
        503, "unavailable", f"{what} is not available on this server (embedding model or index missing)"
    )


@router.get(
    "/search",
    response_model=SearchResult,
    summary="Search transcripts",
    description="Hybrid (dense + lexical) search over the tenant's redacted transcripts. Needs `read`.",
    responses={
        400: {"model": ErrorBody, "description": "Bad period (end before start) or unknown filter."},
        503: {"model": ErrorBody, "description": "No embedding model or index available."},
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "query": "personne ne répond",
                        "hits": [
                            {
                                "interaction_id": "call-000123",
                                "quote": "…personne ne répond…",
                                "score": 0.032,
                                "speaker": "patient",
                                "metadata": {"queue": "radiologie", "local_date": "2026-11-16"},
                            }
                        ],
                    }
                }
            }
        },
    },
)
def search(
    key: ReadKey,
    store: StoreDep,
    index: IndexDep,
    q: str = Query(
        ...,
        min_length=1,
        max_length=1000,
        description="What to look for, in any language.",
        examples=["personne ne répond"],
    ),
    k: int = Query(10, ge=1, le=100, description="How many hits.", examples=[5]),
    start: date | None = Query(None, description="Only interactions from this day.", examples=["2026-11-16"]),
    end: date | None = Query(None, description="Only interactions up to this day.", examples=["2026-11-22"]),
    where: list[str] | None = Query(
        None, description="Metadata filters key=value, e.g. channel=phone.", examples=[["channel=phone"]]
    ),
) -> SearchResult:
    """Search the key's tenant's transcripts."""
    try:
        check_day(start, "start")
        check_day(end, "end")
        if start and end:
            period_between(start, end)  # a reversed period is refused, as everywhere
    except ValueError as exc:
        raise bad_request(str(exc)) from exc
    filters = search_filters(where)
    if filters:
        from analytics.segment_filters import check_filter_values

        try:  # a value no interaction has (channel=telephone) is refused with the allowed ones
            filters = check_filter_values(store, tenant=key.tenant, filters=filters)
        except ValueError as exc:
            raise bad_request(f"bad filter: {exc}") from exc
    if index is None:
        raise _unavailable("search")
    from store.retrieval import search_transcripts

    hits = search_transcripts(
        store=store,
        index=index,
        tenant=key.tenant,
        query=q,
        k=k,
        where=filters,
        start=start,
        end=end,
    )
    return SearchResult(
        query=q,
        hits=[  # the row key (pk) stays internal
            SearchHitView(
                interaction_id=hit.interaction_id,
                quote=hit.quote,
                score=float(hit.score),
                speaker=hit.speaker,
                metadata=to_jsonable(hit.metadata),
                similarity=None if hit.similarity is None else float(hit.similarity),
                matched=hit.matched,
            )
            for hit in hits
        ],
    )


class ClassifyRequest(BaseModel):
    """A live interaction's text to match against the known themes and frictions."""

    text: str = Field(
        min_length=1, max_length=20000, description="The patient's words (redacted before use)."
    )
    k: int = Field(default=3, ge=1, le=20, description="How many themes to return.")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "text": "Bonjour, j'appelle pour renouveler mon ordonnance, c'est la troisième fois.",
                    "k": 3,
                }
            ]
        }
    }


@router.post(
    "/classify",
    response_model=ClassifyResult,
    summary="Classify a live interaction",
    description=(
        "The closest known themes of the tenant (by similarity to their centroids), with the frictions each "
        "belongs to. The text is redacted before it is embedded. Needs `read`."
    ),
    responses={
        400: {"model": ErrorBody, "description": "The text is only blanks."},
        503: {"model": ErrorBody, "description": "No embedding model available."},
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "matches": [
                            {
                                "theme_id": "th-1a2b",
                                "label": "renouvellement d'ordonnance",
                                "similarity": 0.71,
                                "friction_ids": ["fr-3c4d"],
                            }
                        ]
                    }
                }
            }
        },
    },
)
def classify(body: ClassifyRequest, key: ReadKey, store: StoreDep, embedder: EmbedderDep) -> ClassifyResult:
    """Match a text against the key's tenant's themes."""
    if not body.text.strip():
        raise bad_request("text is empty")
    if embedder is None:
        raise _unavailable("classification")
    from analytics.classify import classify_text
    from core.privacy import redact
    from store.embedder import get_theme_embedder

    themes_model = get_theme_embedder(fallback=embedder)  # the model the themes were discovered with
    matches = classify_text(
        store=store, embedder=themes_model, tenant=key.tenant, text=redact(body.text), k=body.k
    )
    return ClassifyResult(matches=[ThemeMatchView.model_validate(m.model_dump()) for m in matches])
