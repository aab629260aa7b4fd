"""The managers' web app: dashboard, friction page, report archive and chat (server-rendered, no CDN).

Sign-in: a manager pastes an API key on /login (or opens the link `parcours keys create --login-link`
prints, whose key travels in the URL fragment, never in a server log). The server opens a session
(api.sessions) and keeps only its random id in an HttpOnly, SameSite=Strict cookie (Secure behind HTTPS);
the page's JavaScript calls the same /v1 API with that cookie, adding the X-Parcours-UI header on changes.
`POST /logout` ends the session.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from agent.chat.answers import SUGGESTIONS
from api.auth import ApiKey, verify_key
from api.deps import SettingsDep, StoreDep
from api.errors import ApiError
from api.queries import (
    action_impact,
    action_models,
    analysis_summary,
    get_analysis_row,
    list_analysis_rows,
    result_of,
)
from api.report import build_history, render_report, report_context
from api.report.charts import Point, bar_chart, line_chart
from api.report.i18n import ui_texts
from api.report.impact_views import impact_texts, impact_view
from api.report.render import environment
from api.report.views import TOP_ACTIONS, action_view, relabelled
from api.routes.findings import pick_result
from api.routes.interactions import load_interactions
from api.sessions import SESSION_COOKIE, create_session, is_https, revoke_session, session_key
from core import wording as nf
from core.results import AnalysisResult, Friction
from store.actions import read_actions
from store.db import Store
from store.theme_labels import theme_labels

router = APIRouter(include_in_schema=False)
BOARD = ("proposed", "accepted", "in_progress", "done", "rejected")
"""Action statuses, in the order of the status filter."""


def _key(request: Request, store: Store) -> ApiKey | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    key = session_key(store, session_id) if session_id else None
    return key if key is not None and key.allows("read") else None


def _page(name: str, request: Request, settings: Any, key: ApiKey | None, **context: Any) -> HTMLResponse:
    lang = "fr" if settings.language == "fr" else "en"
    html = (
        environment()
        .get_template(name)
        .render(
            t=ui_texts(lang),
            ti=impact_texts(lang),
            lang=lang,
            word=lambda kind, key: nf.word(kind, key, lang),
            key=key,
            can_manage=bool(key and key.allows("manage")),
            path=request.url.path,
            **context,
        )
    )
    return HTMLResponse(html)


def _login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


@router.get("/login")
def login_page(request: Request, settings: SettingsDep, error: int = 0) -> HTMLResponse:
    """The sign-in form."""
    return _page("login.html.j2", request, settings, None, error=bool(error))


LEGACY_COOKIE = "parcours_key"
"""The cookie of earlier versions, which held the key itself: never read, removed at sign-in and sign-out."""


@router.post("/login")
def login(
    request: Request, store: StoreDep, settings: SettingsDep, key: str = Form(..., max_length=200)
) -> Response:
    """Check the pasted key and open a session; the cookie holds the session id, never the key."""
    found = verify_key(store, key.strip())
    if found is None or not found.allows("read"):
        return RedirectResponse("/login?error=1", status_code=303)
    secure = is_https(request, settings)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        create_session(store, key=found, hours=settings.session_hours),
        httponly=True,
        samesite="strict",
        secure=secure,
        max_age=int(settings.session_hours * 3600),
    )
    response.delete_cookie(LEGACY_COOKIE)
    return response


@router.get("/logout", response_class=HTMLResponse)
def logout_page(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """A page whose button signs out (a GET never does: links and prefetches must not end a session)."""
    return _page("logout.html.j2", request, settings, _key(request, store))


@router.post("/logout")
def logout(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """End the session (revoked server-side, so a copied cookie stops working too) and clear the cookie."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        revoke_session(store, session_id)
    response = RedirectResponse("/login", status_code=303)
    secure = is_https(request, settings)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict", secure=secure)
    response.delete_cookie(LEGACY_COOKIE)
    return response


def _trend_charts(store: Store, result: AnalysisResult, lang: str) -> dict[str, Any]:
    history = build_history(store, result)
    return {"history": history, "context": report_context(result, history, lang)}


def _missing(request: Request, settings: Any, key: ApiKey | None, what: str) -> HTMLResponse:
    page = _page("missing.html.j2", request, settings, key, what=what)
    page.status_code = 404
    return page


def action_cards(store: Store, tenant: str, result: AnalysisResult, lang: str) -> list[dict[str, Any]]:
    """The action plan as one list: this analysis's actions (rank order), then earlier open ones."""
    named = relabelled(result, {k: v.label for k, v in theme_labels(store, tenant=tenant).items()})
    frictions = {f.friction_id: f for f in named.frictions}
    views = read_actions(store, tenant=tenant, analysis_id=result.analysis_id)
    views += [
        a
        for a in read_actions(store, tenant=tenant)
        if a["analysis_id"] != result.analysis_id and a["status"] in ("accepted", "in_progress", "done")
    ]
    measured = {i.action_id: i for i in result.impacts}
    cards = []
    for view in action_models(views):
        live = next(v for v in views if v["action_id"] == view.action_id)
        card = action_view(view, frictions, lang)
        card.update(status_by=live.get("status_by"), earlier=live["analysis_id"] != result.analysis_id)
        if live["status"] in ("in_progress", "done"):  # measured by the analysis, else up to the latest data
            impact = measured.get(view.action_id) or action_impact(
                store, tenant=tenant, action_id=view.action_id, language=lang
            )
            card["measured"] = impact_view(impact, lang) if impact is not None else None
        cards.append(card)
    return cards


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """This week's three actions, the frictions, the KPI tiles and the action plan with a status filter."""
    key = _key(request, store)
    if key is None:
        return _login()
    lang = "fr" if settings.language == "fr" else "en"
    result = pick_result(store, tenant=key.tenant, analysis_id=None)
    running = [
        analysis_summary(r)
        for r in list_analysis_rows(store, tenant=key.tenant, limit=5)
        if r.status in ("pending", "running")
    ]
    context: dict[str, Any] = {"result": result, "running": running, "statuses": BOARD}
    if result is not None:
        context["report"] = _trend_charts(store, result, lang)["context"]
        context["cards"] = action_cards(store, key.tenant, result, lang)
        context["top"] = [c for c in context["cards"] if not c["earlier"]][:TOP_ACTIONS]
    return _page("dashboard.html.j2", request, settings, key, **context)


def _same(a: Friction, b: Friction) -> bool:
    if a.theme_id or b.theme_id:
        return a.theme_id == b.theme_id
    return a.segment == b.segment and a.kind == b.kind


@router.get("/frictions/{friction_id}", response_class=HTMLResponse)
def friction_page(
    friction_id: str, request: Request, store: StoreDep, settings: SettingsDep, analysis_id: str | None = None
) -> Response:
    """A friction: why, quotes, signals, weekly volume, the actions that answer it and its interactions."""
    key = _key(request, store)
    if key is None:
        return _login()
    lang = "fr" if settings.language == "fr" else "en"
    try:
        result = pick_result(store, tenant=key.tenant, analysis_id=analysis_id)
    except ApiError:
        return _missing(request, settings, key, analysis_id or friction_id)
    friction = next((f for f in (result.frictions if result else []) if f.friction_id == friction_id), None)
    if result is None or friction is None:
        return _missing(request, settings, key, friction_id)
    history = build_history(store, result)
    points = []
    for earlier in sorted(history.earlier, key=lambda r: r.period.start):
        match = next((f for f in earlier.frictions if _same(f, friction)), None)
        points.append(Point(earlier.period.start.isoformat(), float(match.volume) if match else 0.0))
    points.append(Point(result.period.start.isoformat(), float(friction.volume)))
    numeric = [
        (nf.SIGNALS[k][lang], float(v))
        for k in nf.SHARE_SIGNALS
        if (v := friction.signals.figures().get(k)) is not None
    ]
    ids = friction.interaction_ids or [e.interaction_id for e in friction.evidence]
    context = report_context(result, history, lang)
    view = next(f for f in context["frictions"] if f["id"] == friction_id)
    cards = [
        c
        for c in action_cards(store, key.tenant, result, lang)
        if any(f["id"] == friction_id for f in c["frictions"])
    ]
    return _page(
        "friction.html.j2",
        request,
        settings,
        key,
        result=result,
        friction=friction,
        view=view,
        actions=cards,
        volume_chart=line_chart(points, width=520, height=140, fmt=lambda v: nf.number(v, lang)),
        signal_chart=bar_chart(numeric, width=360, fmt=lambda v: nf.percent(v, lang)) if numeric else None,
        interactions=load_interactions(store, tenant=key.tenant, ids=ids[:20]),
    )


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """The archive of analyses and their reports."""
    key = _key(request, store)
    if key is None:
        return _login()
    rows = [analysis_summary(r) for r in list_analysis_rows(store, tenant=key.tenant, limit=200)]
    return _page("reports.html.j2", request, settings, key, analyses=rows)


@router.get("/reports/{analysis_id}", response_class=HTMLResponse)
def report_page(analysis_id: str, request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """One analysis's HTML report, with a way back to the web app."""
    key = _key(request, store)
    if key is None:
        return _login()
    row = get_analysis_row(store, tenant=key.tenant, analysis_id=analysis_id)
    result = result_of(row) if row is not None else None
    if result is None:
        return _missing(request, settings, key, analysis_id)
    html = render_report(
        result, history=build_history(store, result), language=settings.language, back_link="/"
    )
    return HTMLResponse(html)


@router.get("/chat", response_class=HTMLResponse)
def chat_page(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """The assistant; answers stream from POST /v1/chat, suggested questions on an empty conversation."""
    key = _key(request, store)
    if key is None:
        return _login()
    lang = "fr" if settings.language == "fr" else "en"
    return _page(
        "chat.html.j2",
        request,
        settings,
        key,
        labels=json.dumps(ui_texts(settings.language)),
        suggestions=SUGGESTIONS[lang],
    )


@router.get("/favicon.ico")
def favicon() -> Response:
    """No icon (browsers ask for one; the report page, self-contained, declares none)."""
    return Response(status_code=204)


def not_found_page(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """Any other address: a 404 page for people, a JSON 404 under /v1."""
    if request.url.path.startswith("/v1/"):
        raise ApiError(404, "not_found", f"no route {request.url.path}")
    return _missing(request, settings, _key(request, store), request.url.path)
