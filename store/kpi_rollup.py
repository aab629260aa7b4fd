"""KPI rollups: keep `kpi_days` and `kpi_contacts` equal to what the raw definitions give.

Database triggers on `interactions` (installed by migration 0003_perf) record every insert, delete and
relevant update as (tenant, local day, patient) in `kpi_dirty`, whoever the writer is: ingestion, theme
assignment, pseudonymisation, erasure, retention. `refresh` folds them in: it recomputes the journey facts of
the touched patients (store.kpi_flags), then rebuilds every day cell that holds a touched contact or a contact
whose facts changed. Ingestion, erasure and purge call it when they finish; a KPI query calls it first, so a
figure never rests on stale rollups. `rebuild` recomputes everything (the migration's backfill, a change of
FCR window or attrition days).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, text

from core.settings import Settings
from store.kpi_cells import Cell, cell_key
from store.kpi_flags import Facts, facts_for
from store.schema import InteractionRow, KpiContactRow, KpiDayRow, KpiDirtyRow, KpiStateRow

log = logging.getLogger(__name__)

T = InteractionRow.__table__.c
K = KpiContactRow.__table__.c
D = KpiDayRow.__table__.c
DIRTY = KpiDirtyRow.__table__
LOCK_KEY = 7_142_043_518_927_302
"""PostgreSQL advisory-lock key held while rollups are refreshed (one refresher at a time)."""
CHUNK = 500
DAYS_CHUNK = 1
"""Days rebuilt together: their contacts' facts are held at once, so a large ingest's memory stays a day's."""
WATCHED = (
    "tenant channel direction queue started_at ended_at local_date local_hour local_weekday iso_week "
    "wait_seconds first_response_seconds handle_seconds abandoned resolved follow_up_required "
    "follow_up_due_at follow_up_done_at csat reason patient_ref agent_ref language theme_id"
).split()
"""Columns whose update changes a KPI (an update of texts or of the index hash does not)."""
CELL_COLUMNS = (
    T.pk,
    T.local_date,
    T.iso_week,
    T.local_weekday,
    T.queue,
    T.channel,
    T.direction,
    T.language,
    T.started_at,
    T.ended_at,
    T.wait_seconds,
    T.first_response_seconds,
    T.handle_seconds,
    T.abandoned,
    T.resolved,
    T.follow_up_required,
    T.follow_up_due_at,
    T.follow_up_done_at,
    T.csat,
    T.patient_ref,
)


def trigger_ddl(dialect: str) -> list[str]:
    """Statements creating the triggers that record changes to interactions in kpi_dirty."""
    cols = ", ".join(WATCHED)
    into = "INSERT INTO kpi_dirty (tenant, local_date, patient_ref) VALUES "
    new = into + "(NEW.tenant, NEW.local_date, NEW.patient_ref)"
    old = into + "(OLD.tenant, OLD.local_date, OLD.patient_ref)"
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION kpi_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP <> 'INSERT' THEN {old}; END IF; "
            f"IF TG_OP <> 'DELETE' THEN {new}; END IF; RETURN NULL; END $$",
            "CREATE TRIGGER kpi_dirty_write AFTER INSERT OR DELETE ON interactions "
            "FOR EACH ROW EXECUTE FUNCTION kpi_mark_dirty()",
            f"CREATE TRIGGER kpi_dirty_update AFTER UPDATE OF {cols} ON interactions "
            "FOR EACH ROW EXECUTE FUNCTION kpi_mark_dirty()",
        ]
    return [
        f"CREATE TRIGGER kpi_dirty_insert AFTER INSERT ON interactions BEGIN {new}; END",
        f"CREATE TRIGGER kpi_dirty_delete AFTER DELETE ON interactions BEGIN {old}; END",
        f"CREATE TRIGGER kpi_dirty_update AFTER UPDATE OF {cols} ON interactions BEGIN {old}; {new}; END",
    ]


def drop_trigger_ddl(dialect: str) -> list[str]:
    """Statements removing those triggers."""
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS kpi_dirty_write ON interactions",
            "DROP TRIGGER IF EXISTS kpi_dirty_update ON interactions",
            "DROP FUNCTION IF EXISTS kpi_mark_dirty()",
        ]
    return [f"DROP TRIGGER IF EXISTS kpi_dirty_{op}" for op in ("insert", "delete", "update")]


def windows(settings: Settings) -> dict[str, str]:
    """The settings the journey facts depend on, as stored in kpi_state."""
    return {"fcr_window_days": str(settings.fcr_window_days), "attrition_days": str(settings.attrition_days)}


def state(conn: Connection) -> dict[str, str]:
    """What kpi_state says (empty until the first rebuild)."""
    return dict(conn.execute(select(KpiStateRow.name, KpiStateRow.value)).tuples().all())


def built(conn: Connection, settings: Settings) -> bool:
    """True when the rollups are built with these settings' windows."""
    current = state(conn)
    return current.get("ready") == "1" and all(current.get(k) == v for k, v in windows(settings).items())


def ready(conn: Connection, settings: Settings) -> bool:
    """True when the rollups are built with these settings' windows and nothing is left to fold in."""
    return built(conn, settings) and conn.execute(select(DIRTY.c.id).limit(1)).first() is None


def refresh(conn: Connection, settings: Settings) -> int:
    """Fold pending changes into the rollups (inside the caller's transaction); how many were folded."""
    current = state(conn)
    if current.get("ready") != "1" or any(current.get(k) != v for k, v in windows(settings).items()):
        log.info("KPI rollups: never built or built with other windows; rebuilding")
        rebuild(conn, settings)
        return 1
    # The pending changes are read as distinct days and patients, not row by row: a large ingest leaves one
    # row per contact, and holding them all would make an ingest's memory grow with its size.
    top = conn.execute(select(func.max(DIRTY.c.id))).scalar()
    if top is None:
        return 0
    upto = DIRTY.c.id <= top
    count = int(conn.execute(select(func.count()).select_from(DIRTY).where(upto)).scalar() or 0)
    if conn.execute(select(DIRTY.c.id).where(upto, DIRTY.c.tenant.is_(None)).limit(1)).first():
        rebuild(conn, settings)
        return count
    days: dict[str, set[date]] = {}
    patients: dict[str, set[str]] = {}
    for tenant, day in conn.execute(select(DIRTY.c.tenant, DIRTY.c.local_date).where(upto).distinct()):
        days.setdefault(tenant, set()).add(day)
    for tenant, patient in conn.execute(
        select(DIRTY.c.tenant, DIRTY.c.patient_ref).where(upto, DIRTY.c.patient_ref.is_not(None)).distinct()
    ):
        patients.setdefault(tenant, set()).add(patient)
    for tenant in sorted(days):
        changed = _refresh_facts(conn, tenant, sorted(patients.get(tenant, ())), settings)
        _build_days(conn, tenant, sorted(days[tenant] | changed))
    conn.execute(delete(KpiDirtyRow).where(upto))
    return count


def _windows(settings: Settings) -> dict[str, timedelta]:
    return {
        "window": timedelta(days=settings.fcr_window_days),
        "attrition": timedelta(days=settings.attrition_days),
    }


def _refresh_facts(conn: Connection, tenant: str, patients: list[str], settings: Settings) -> set[date]:
    """Recompute the facts of these patients' contacts; the days whose contacts' facts changed."""
    changed: set[date] = set()
    for i in range(0, len(patients), CHUNK):
        chunk = patients[i : i + CHUNK]
        new = {
            row.pk: (row.local_date, facts)
            for row, facts in facts_for(conn, tenant, chunk, **_windows(settings))
        }
        pks = list(conn.execute(select(T.pk).where(T.tenant == tenant, T.patient_ref.in_(chunk))).scalars())
        old: dict[int, tuple[date, Facts]] = {}
        for j in range(0, len(pks), CHUNK):
            part = pks[j : j + CHUNK]
            for row in conn.execute(select(KpiContactRow.__table__).where(K.pk.in_(part))):
                old[row.pk] = (row.local_date, Facts(*row[3:]))
            conn.execute(delete(KpiContactRow).where(K.pk.in_(part)))
        for pk in set(old) | set(new):
            if old.get(pk) != new.get(pk):
                changed.update(entry[0] for entry in (old.get(pk), new.get(pk)) if entry)
        _insert_facts(conn, tenant, new.items())
    return changed


def _insert_facts(conn: Connection, tenant: str, items: Iterable[tuple[int, tuple[date, Facts]]]) -> None:
    batch: list[dict[str, Any]] = []
    for pk, (local_date, facts) in items:
        batch.append({"pk": pk, "tenant": tenant, "local_date": local_date, **facts._asdict()})
        if len(batch) >= 5_000:
            conn.execute(insert(KpiContactRow), batch)
            batch = []
    if batch:
        conn.execute(insert(KpiContactRow), batch)


def _facts_of(conn: Connection, where: Any) -> dict[int, Facts]:
    stmt = select(KpiContactRow.__table__).join(InteractionRow, InteractionRow.pk == K.pk).where(where)
    return {row.pk: Facts(*row[3:]) for row in conn.execute(stmt)}


def _build_days(conn: Connection, tenant: str, days: list[date]) -> None:
    """Replace the cells of these days by cells computed from the interactions and their facts."""
    for i in range(0, len(days), DAYS_CHUNK):
        part = days[i : i + DAYS_CHUNK]
        # facts of contacts deleted or out of the journeys (patient removed, now outbound) must not linger
        kept = select(T.pk).where(
            T.tenant == tenant,
            T.local_date.in_(part),
            T.direction == "inbound",
            T.patient_ref.is_not(None),
        )
        conn.execute(
            delete(KpiContactRow).where(K.tenant == tenant, K.local_date.in_(part), K.pk.not_in(kept))
        )
        conn.execute(delete(KpiDayRow).where(D.tenant == tenant, D.local_date.in_(part)))
        where = and_(T.tenant == tenant, T.local_date.in_(part))
        _write_cells(conn, tenant, where, _facts_of(conn, where))


def _write_cells(conn: Connection, tenant: str, where: Any, facts: dict[int, Facts]) -> None:
    cells: dict[tuple[Any, ...], Cell] = {}
    for row in conn.execute(select(*CELL_COLUMNS).where(where).execution_options(yield_per=20_000)):
        key = cell_key(row)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = Cell(key)
        journey = row.direction == "inbound" and row.patient_ref is not None
        cell.add(row, facts.get(row.pk) if journey else None)
    rows = [cell.values(tenant) for cell in cells.values()]
    for i in range(0, len(rows), 2_000):
        conn.execute(insert(KpiDayRow), rows[i : i + 2_000])


def rebuild(conn: Connection, settings: Settings) -> None:
    """Recompute every journey fact and day cell of every tenant (inside the caller's transaction)."""
    top = conn.execute(select(func.max(DIRTY.c.id))).scalar()
    conn.execute(delete(KpiDayRow))
    conn.execute(delete(KpiContactRow))
    tenants = list(conn.execute(select(T.tenant).distinct()).scalars())
    for tenant in tenants:
        facts = facts_for(conn, tenant, None, **_windows(settings))
        _insert_facts(conn, tenant, ((row.pk, (row.local_date, f)) for row, f in facts))
        bounds = conn.execute(
            select(func.min(T.local_date), func.max(T.local_date)).where(T.tenant == tenant)
        ).one()
        first, last = bounds
        while first is not None and first <= last:
            until = min(first + timedelta(days=30), last)
            where = and_(T.tenant == tenant, T.local_date >= first, T.local_date <= until)
            _write_cells(conn, tenant, where, _facts_of(conn, where))
            first = until + timedelta(days=1)
    if top is not None:
        conn.execute(delete(KpiDirtyRow).where(DIRTY.c.id <= top))
    conn.execute(delete(KpiStateRow))
    values = {**windows(settings), "ready": "1"}
    conn.execute(insert(KpiStateRow), [{"name": k, "value": v} for k, v in values.items()])
    log.info("KPI rollups rebuilt for %d tenant(s)", len(tenants))


def refresh_store(store: Any) -> int:
    """`refresh` in a transaction of its own on a Store (after ingestion, erasure or purge, before a query).

    The refresh must see one consistent state of the interactions: a contact committed while it runs would
    otherwise be read in a day cell without its journey facts. SQLite: the first statement writes, so the
    transaction holds the write lock throughout. PostgreSQL: one refresher at a time (a session advisory
    lock taken before the transaction starts), in a REPEATABLE READ snapshot; later changes stay in
    kpi_dirty for the next refresh.
    """
    if store.dialect != "postgresql":
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE kpi_state SET value = value WHERE name = 'ready'"))
            return refresh(conn, store.settings)
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as holder:
        while not holder.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar():
            time.sleep(0.05)
        try:
            with store.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
                with conn.begin():
                    return refresh(conn, store.settings)
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
