"""SQL schema: the source of truth (interactions, turns, ingestion, themes, analyses, actions, keys)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of every Parcours table."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class InteractionRow(Base):
    """One interaction, redacted. Times are naive UTC; local_* columns are in the tenant time zone."""

    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("tenant", "ext_id", name="uq_interactions_tenant_ext_id"),
        Index("ix_interactions_tenant_started", "tenant", "started_at"),
        Index("ix_interactions_tenant_local_date", "tenant", "local_date"),
        Index("ix_interactions_tenant_queue_date", "tenant", "queue", "local_date"),
        Index("ix_interactions_tenant_channel_date", "tenant", "channel", "local_date"),
        Index("ix_interactions_tenant_patient_started", "tenant", "patient_ref", "started_at"),
        Index("ix_interactions_tenant_agent_date", "tenant", "agent_ref", "local_date"),
        Index(
            "ix_interactions_unthemed",
            "pk",
            sqlite_where=text("themed_hash IS NULL"),
            postgresql_where=text("themed_hash IS NULL"),
        ),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(100))
    ext_id: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(20))
    queue: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    local_date: Mapped[date] = mapped_column(Date)
    local_hour: Mapped[int] = mapped_column(Integer)
    local_weekday: Mapped[int] = mapped_column(Integer, doc="ISO weekday, 1 = Monday.")
    iso_week: Mapped[str] = mapped_column(String(10), doc="ISO week in the tenant time zone, e.g. 2026-W47.")
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    first_response_seconds: Mapped[float | None] = mapped_column(Float)
    handle_seconds: Mapped[float | None] = mapped_column(Float)
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    follow_up_required: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_up_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    follow_up_done_at: Mapped[datetime | None] = mapped_column(DateTime)
    csat: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(300))
    patient_ref: Mapped[str | None] = mapped_column(String(200))
    agent_ref: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(10))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    patient_text: Mapped[str] = mapped_column(Text, default="", doc="Redacted patient side, joined.")
    full_text: Mapped[str] = mapped_column(Text, default="", doc="Redacted dialogue, 'speaker: text' a line.")
    content_hash: Mapped[str] = mapped_column(String(64), doc="Hash of the redacted record, for idempotency.")
    theme_id: Mapped[str | None] = mapped_column(String(40), index=True, doc="Latest theme assignment.")
    indexed_hash: Mapped[str | None] = mapped_column(
        String(64), doc="content_hash last written to the index."
    )
    themed_hash: Mapped[str | None] = mapped_column(
        String(64),
        doc="content_hash whose theme vectors are in the embedding cache (None: not yet computed).",
    )
    theme_text: Mapped[str | None] = mapped_column(
        Text,
        doc="Theme text of the redacted patient side, as the theme-vector job read it for themed_hash "
        "(valid only while themed_hash equals content_hash; None: not stored).",
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    turns: Mapped[list[TurnRow]] = relationship(
        back_populates="interaction", cascade="all, delete-orphan", order_by="TurnRow.seq"
    )


class TurnRow(Base):
    """One redacted turn of a transcript, kept in order."""

    __tablename__ = "turns"

    interaction_pk: Mapped[int] = mapped_column(
        ForeignKey("interactions.pk", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    speaker: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)

    interaction: Mapped[InteractionRow] = relationship(back_populates="turns")


class TermCountRow(Base):
    """How many of a tenant's turns hold a word, or a word starting with a prefix (`store.lexical`).

    Kept by ingestion, erasure and purge (`store.lexical.change_term_counts`), so the full-text side weighs
    the query's words with one index lookup instead of counting their matches. `term` is a folded word of
    2 to 5 characters, or a 4- to 6-character prefix followed by `*`; a row whose count falls to 0 is deleted.
    """

    __tablename__ = "term_counts"

    tenant: Mapped[str] = mapped_column(String(100), primary_key=True)
    term: Mapped[str] = mapped_column(String(16), primary_key=True)
    turns: Mapped[int] = mapped_column(Integer)


class IngestBatchRow(Base):
    """One ingestion run (a file, an API call)."""

    __tablename__ = "ingest_batches"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class IngestErrorRow(Base):
    """A record rejected by an ingestion run, with its reason."""

    __tablename__ = "ingest_errors"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("ingest_batches.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    ext_id: Mapped[str | None] = mapped_column(String(200), index=True)
    error: Mapped[str] = mapped_column(Text)


class ThemeRow(Base):
    """A theme of the registry, stable across weeks."""

    __tablename__ = "themes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    label: Mapped[str] = mapped_column(String(300))
    keywords: Mapped[list[Any]] = mapped_column(JSON, default=list)
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary, doc="float32 vector of the theme centre.")
    lexical: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, doc="Term weights of the theme.")
    size: Mapped[int] = mapped_column(Integer, default=0, doc="Interactions assigned so far.")
    first_seen: Mapped[date | None] = mapped_column(Date)
    last_seen: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    label_source: Mapped[str | None] = mapped_column(
        String(20),
        default="auto",
        doc="Who wrote the label: auto (from patients' words), model, or manager (never overwritten); "
        "null for a keyword label from before phrase labels.",
    )
    label_edited_by: Mapped[str | None] = mapped_column(String(200), doc="Who renamed the theme.")
    label_edited_at: Mapped[datetime | None] = mapped_column(DateTime, doc="When it was renamed (UTC).")


class ThemeAssignmentRow(Base):
    """Which theme an interaction belongs to (one per interaction, latest wins)."""

    __tablename__ = "theme_assignments"
    __table_args__ = (Index("ix_theme_assignments_theme", "tenant", "theme_id"),)

    interaction_pk: Mapped[int] = mapped_column(
        ForeignKey("interactions.pk", ondelete="CASCADE"), primary_key=True
    )
    tenant: Mapped[str] = mapped_column(String(100))
    theme_id: Mapped[str | None] = mapped_column(String(40))
    similarity: Mapped[float | None] = mapped_column(Float)
    assigned_at: Mapped[datetime] = mapped_column(DateTime)


class AnalysisRow(Base):
    """One analysis run and its result."""

    __tablename__ = "analyses"
    __table_args__ = (
        Index("ix_analyses_tenant_created", "tenant", "created_at"),
        UniqueConstraint("active_key", name="uq_analyses_active_key"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="pending", doc="pending, running, done, failed.")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    step: Mapped[str | None] = mapped_column(String(40))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    mode: Mapped[str | None] = mapped_column(String(20))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    history: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, doc="The report's history (KPI trends, earlier analyses), computed once at its first view."
    )
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    worker_id: Mapped[str | None] = mapped_column(String(120), doc="The process running (or queueing) it.")
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, doc="Last sign of life of that process.")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0", doc="Runs started so far.")
    active_key: Mapped[str | None] = mapped_column(
        String(300), doc="tenant|start|end while pending or running: one run per period."
    )
    trigger: Mapped[str | None] = mapped_column(String(20), doc="api, schedule or cli: who asked for it.")


class DeliveryRow(Base):
    """One delivery of an analysis: a report written to a folder, an e-mail, a webhook call."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("analysis_id", "channel", "event", "target", name="uq_deliveries_once"),
        Index("ix_deliveries_tenant_created", "tenant", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    analysis_id: Mapped[str] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(20), doc="folder, email or webhook.")
    event: Mapped[str] = mapped_column(String(60), doc="report.weekly, analysis.done, friction.emerging, …")
    target: Mapped[str] = mapped_column(String(500), doc="Folder, recipients or URL.")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, doc="What is sent (webhooks).")
    status: Mapped[str] = mapped_column(String(20), default="pending", doc="pending, delivered, failed.")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    response_status: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)


class ActionRow(Base):
    """An action proposed by an analysis, with its lifecycle status."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_tenant_status", "tenant", "status"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    analysis_id: Mapped[str] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), index=True)
    playbook_id: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    status_by: Mapped[str | None] = mapped_column(String(200))
    status_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ActionEventRow(Base):
    """A change of an action's status: who, when, from what to what."""

    __tablename__ = "action_events"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[str] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[str] = mapped_column(String(20))
    new_status: Mapped[str] = mapped_column(String(20))
    by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)


class ActionTargetRow(Base):
    """What an action addresses, recorded when it moves to in_progress (or done): one row per friction.

    The segment holds KPI filters (theme id, queue, channel, agent pseudonym, weekday, hours), never an
    interaction id or a quote; it goes with its action (retention deletes analyses, hence actions, hence it).
    """

    __tablename__ = "action_targets"
    __table_args__ = (
        UniqueConstraint("action_id", "friction_id", name="uq_action_targets_friction"),
        Index("ix_action_targets_tenant", "tenant"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[str] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    tenant: Mapped[str] = mapped_column(String(100))
    friction_id: Mapped[str] = mapped_column(String(40))
    segment: Mapped[dict[str, Any]] = mapped_column(JSON, doc="KPI filters of the target segment.")
    metrics: Mapped[list[Any]] = mapped_column(JSON, doc="Metrics followed, main one first.")
    start_date: Mapped[date] = mapped_column(Date, doc="Day the action started (tenant time zone).")
    before_start: Mapped[date] = mapped_column(Date, doc="First day of the window compared before it.")
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class ApiKeyRow(Base):
    """An API key, stored as a hash, bound to one tenant and a set of scopes."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(JSON)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class WebSessionRow(Base):
    """A signed-in browser: a random session id stored as a hash, bound to one live API key, expiring."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(40), ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class EmbeddingCacheRow(Base):
    """An embedding cached by model and content hash, so unchanged text is never embedded twice."""

    __tablename__ = "embedding_cache"

    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class PrivacyStateRow(Base):
    """Deployment-wide privacy facts, one row a name (e.g. the fingerprint of the pseudonym key)."""

    __tablename__ = "privacy_state"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ErasureRow(Base):
    """The audit trail of erasures and purges: who erased what and when, never the erased content.

    `subject` is a keyed digest of the erased ref or id (recomputable by whoever holds the pseudonym key, to
    answer "was this patient erased?"), not the pseudonym stored with the interactions.
    """

    __tablename__ = "erasures"
    __table_args__ = (Index("ix_erasures_tenant_requested", "tenant", "requested_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str | None] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(20), doc="patient, interaction or retention.")
    subject: Mapped[str | None] = mapped_column(String(64), doc="Keyed digest of the erased ref or id.")
    requested_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    interactions: Mapped[int] = mapped_column(Integer, default=0, doc="Interactions erased.")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, doc="What was removed, per store.")
    status: Mapped[str] = mapped_column(String(20), doc="done, or partial (see problems).")
    problems: Mapped[list[Any]] = mapped_column(JSON, default=list)
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class KpiDayRow(Base):
    """KPI rollup: what one day's contacts of one segment contribute to every metric (store.kpi_rollup).

    Counts and sums for shares and means; arrays (numpy bytes) where a metric needs the values
    themselves (percentiles) or a comparison with the latest data made at query time (maturity, deadlines).
    """

    __tablename__ = "kpi_days"
    __table_args__ = (Index("ix_kpi_days_tenant_date", "tenant", "local_date"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(100))
    local_date: Mapped[date] = mapped_column(Date)
    iso_week: Mapped[str] = mapped_column(String(10))
    local_weekday: Mapped[int] = mapped_column(Integer)
    queue: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(10))
    n_all: Mapped[int] = mapped_column(Integer, default=0)
    csat_n: Mapped[int] = mapped_column(Integer, default=0)
    csat_top2: Mapped[int] = mapped_column(Integer, default=0)
    csat_sum: Mapped[int] = mapped_column(Integer, default=0)
    csat_sumsq: Mapped[int] = mapped_column(Integer, default=0)
    queued_n: Mapped[int] = mapped_column(Integer, default=0)
    queued_abandoned: Mapped[int] = mapped_column(Integer, default=0)
    aht_n: Mapped[int] = mapped_column(Integer, default=0)
    eng_due: Mapped[int] = mapped_column(Integer, default=0)
    eng_due_ok: Mapped[int] = mapped_column(Integer, default=0)
    eng_due_late: Mapped[int] = mapped_column(Integer, default=0)
    eng_default: Mapped[int] = mapped_column(Integer, default=0)
    fcr_unknown: Mapped[int] = mapped_column(Integer, default=0)
    fcr_resolved_n: Mapped[int] = mapped_column(Integer, default=0)
    fcr_resolved_hits: Mapped[int] = mapped_column(Integer, default=0)
    fcr_repeat_n: Mapped[int] = mapped_column(Integer, default=0)
    fcr_by_theme: Mapped[int] = mapped_column(Integer, default=0)
    fcr_by_reason: Mapped[int] = mapped_column(Integer, default=0)
    fcr_by_any: Mapped[int] = mapped_column(Integer, default=0)
    rep_n: Mapped[int] = mapped_column(Integer, default=0)
    rep_hits: Mapped[int] = mapped_column(Integer, default=0)
    rep_without: Mapped[int] = mapped_column(Integer, default=0)
    aht_total: Mapped[float] = mapped_column(Float, default=0.0)
    aht_sumsq: Mapped[float] = mapped_column(Float, default=0.0)
    rt: Mapped[bytes | None] = mapped_column(LargeBinary, doc="float64 waits of answered queued contacts.")
    fr: Mapped[bytes | None] = mapped_column(LargeBinary, doc="float64 first responses (asynchronous).")
    fcr_started: Mapped[bytes | None] = mapped_column(LargeBinary, doc="int64 µs starts, FCR rule repeat.")
    eng_due_open: Mapped[bytes | None] = mapped_column(LargeBinary, doc="int64 µs due_at, not done.")
    eng_def_done: Mapped[bytes | None] = mapped_column(LargeBinary, doc="int64 µs done − base, done.")
    eng_def_open: Mapped[bytes | None] = mapped_column(LargeBinary, doc="int64 µs base, not done.")
    att_fin: Mapped[bytes | None] = mapped_column(LargeBinary, doc="int64 µs end of attrition candidates.")
    att_code: Mapped[bytes | None] = mapped_column(LargeBinary, doc="int8 category × 8 + alone-in mask.")
    att_later: Mapped[bytes | None] = mapped_column(LargeBinary, doc="uint32 later_day, week, month each.")


class KpiContactRow(Base):
    """Patient-journey facts of one inbound contact with a patient_ref (over all the patient's contacts)."""

    __tablename__ = "kpi_contacts"
    __table_args__ = (
        Index("ix_kpi_contacts_tenant_date", "tenant", "local_date"),
        Index("ix_kpi_contacts_multi_day", "tenant", "multi_day", "local_date"),
        Index("ix_kpi_contacts_multi_week", "tenant", "multi_week", "local_date"),
        Index("ix_kpi_contacts_multi_month", "tenant", "multi_month", "local_date"),
    )

    pk: Mapped[int] = mapped_column(
        Integer, primary_key=True, doc="The interaction's pk (no foreign key: the refresh removes facts)."
    )
    tenant: Mapped[str] = mapped_column(String(100))
    local_date: Mapped[date] = mapped_column(Date)
    fcr_repeat: Mapped[str | None] = mapped_column(
        String(10), doc="How the first same-request return within the FCR window matched, or null."
    )
    repeat_before: Mapped[bool] = mapped_column(Boolean, doc="A same-request contact in the window before.")
    att_return: Mapped[bool] = mapped_column(Boolean, doc="Any inbound contact within the attrition days.")
    multi_day: Mapped[bool] = mapped_column(Boolean, doc="Another inbound contact of the patient that day.")
    multi_week: Mapped[bool] = mapped_column(Boolean, doc="... that ISO week.")
    multi_month: Mapped[bool] = mapped_column(Boolean, doc="... that month.")
    later_day: Mapped[int] = mapped_column(BigInteger, doc="Later contacts that day, by agreeing dimensions.")
    later_week: Mapped[int] = mapped_column(BigInteger, doc="... that ISO week (store.kpi_flags).")
    later_month: Mapped[int] = mapped_column(BigInteger, doc="... that month.")


class KpiDirtyRow(Base):
    """A change to interactions not yet folded into the KPI rollups (written by database triggers)."""

    __tablename__ = "kpi_dirty"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str | None] = mapped_column(String(100), doc="Null: rebuild everything.")
    local_date: Mapped[date | None] = mapped_column(Date)
    patient_ref: Mapped[str | None] = mapped_column(String(200))


class KpiStateRow(Base):
    """Parameters the KPI rollups were built with (FCR window, attrition days), by name."""

    __tablename__ = "kpi_state"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
