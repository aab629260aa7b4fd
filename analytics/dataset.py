"""The analysed period as one typed dataset: read once, every figure of an analysis computed from it.

The analysis graph's first node loads it (`load_dataset`): the interactions of the period and its baseline (or
the anomaly blocks, when the period is longer than a week), the look-back the repeat rate needs before them
and the look-ahead FCR and attrition need after them, in one SELECT. The per-contact journey flags (FCR
outcome, repeat, return after a negative contact) are computed once by the KPI engine
(`analytics.kpis_journeys.contact_flags`) when first asked for, after the themes are assigned (a repeat is a
return on the same theme). Measures, anomalies, themes, frictions and the offline tools then compute from it
(`analytics.kpi_frame`); it lives in the run context, never in the checkpointed state, and a resumed analysis
loads it again. A journey KPI (fcr, repeat_rate, attrition) that neither a dataset nor the rollups answer is
computed from one read for its dates (`read_dataset`): the journey rules are applied one way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import and_, case, select

from analytics.kpi_defs import ASYNC, DIMENSIONS, SYNC, T
from analytics.kpi_queries import as_date, latest_data
from analytics.kpis_journeys import ContactFlags, contact_flags, norm_reason
from core.periods import before, days
from core.results import Period
from core.settings import Settings
from store.db import Store
from store.kpi_cells import duration_micros, micros
from store.schema import InteractionRow, ThemeAssignmentRow

NA = np.iinfo(np.int64).min
"""A missing moment in the integer-microsecond columns."""
_COLUMNS = (
    *DIMENSIONS.items(),  # a KPI dimension is the column of its name
    ("pk", T.pk),
    ("ext_id", T.ext_id),
    ("patient", T.patient_ref),
    ("started", T.started_at),
    ("ended", T.ended_at),
    ("local_date", T.local_date),
    ("iso_week", T.iso_week),
    ("reason", T.reason),
    ("abandoned", T.abandoned),
    ("resolved", T.resolved),
    ("csat", T.csat),
    ("wait", T.wait_seconds),
    ("first_response", T.first_response_seconds),
    ("handle", T.handle_seconds),
    ("follow_up", T.follow_up_required),
    ("due", T.follow_up_due_at),
    ("done", T.follow_up_done_at),
)
_REPEATED = frozenset({*DIMENSIONS, "local_date", "iso_week", "reason", "resolved", "assigned"})
"""Columns of few distinct values: each value is held once, not once a row (memory at 100 k a week)."""
_CHUNK = 20_000
"""Rows read and turned into columns at a time."""
_MOMENTS = ("started", "ended", "due", "done")
_FLOATS = ("csat", "wait", "first_response", "handle")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass
class PeriodDataset:
    """The interactions an analysis reads, as columns (numpy arrays in pk order), with their journey flags."""

    tenant: str
    core: Period
    """The dates whose figures it answers: baseline (or anomaly blocks) to the period's end."""
    settings: Settings
    words: Period | None
    """The dates whose theme texts it holds (None: no texts)."""
    said: Period | None
    """The dates whose patient texts it holds for every interaction (the period analysed); before them, only
    those whose stored theme text is stale (the theme step reads them then). The whole text only where the
    patient's side is blank or the theme text stale: it is read for nothing else."""
    latest: int | None
    """The tenant's latest contact start (microseconds): "now" for maturity and deadlines."""
    cols: dict[str, np.ndarray]
    _codes: dict[str, tuple[np.ndarray, list[Any], dict[Any, int]]] = field(default_factory=dict)
    _flags: ContactFlags | None = None

    def __len__(self) -> int:
        """How many interactions it holds."""
        return len(self.cols["pk"])

    def answers(self, start: date, end: date) -> bool:
        """Whether figures over these dates can be computed from it (they lie in the core)."""
        return self.core.start <= start and end <= self.core.end

    def between(self, start: date, end: date) -> np.ndarray:
        """Mask of the interactions of these local dates (inclusive)."""
        day = self.cols["day"]
        return (day >= start.toordinal()) & (day <= end.toordinal())

    def rows(self, mask: np.ndarray, names: Iterable[str]) -> list[tuple[Any, ...]]:
        """The chosen columns of the masked interactions, one tuple a row, in pk order."""
        index = np.flatnonzero(mask)
        return list(zip(*(self.cols[n][index].tolist() for n in names), strict=True)) if len(index) else []

    def codes(self, name: str) -> tuple[np.ndarray, list[Any], dict[Any, int]]:
        """A column as integer codes, the values they stand for and the reverse mapping (None included)."""
        found = self._codes.get(name)
        if found is None:
            index: dict[Any, int] = {}
            codes = np.fromiter(
                (index.setdefault(v, len(index)) for v in self.cols[name].tolist()), np.int64, len(self)
            )
            found = self._codes[name] = (codes, list(index), index)
        return found

    def assign_themes(self, themes: dict[int, str | None]) -> None:
        """Record the themes an analysis just wrote (pk → theme id); the flags are computed again."""
        if not themes:
            return
        position = {pk: i for i, pk in enumerate(self.cols["pk"].tolist())}
        theme, assigned = self.cols["theme"], self.cols["assigned"]
        for pk, theme_id in themes.items():
            i = position.get(pk)
            if i is not None:
                theme[i] = assigned[i] = theme_id
        self._codes.pop("theme", None)
        self._flags = None

    @property
    def flags(self) -> ContactFlags:
        """The journey flags, computed by the KPI engine the first time they are needed."""
        if self._flags is None:
            self._flags = contact_flags(
                self.cols,
                window=duration_micros(timedelta(days=self.settings.fcr_window_days)),
                attrition=duration_micros(timedelta(days=self.settings.attrition_days)),
            )
        return self._flags


def _query(tenant: str, first: date, last: date, texts: Period | None, said: Period | None = None) -> Any:
    cols: list[Any] = [c.label(n) for n, c in _COLUMNS] + [ThemeAssignmentRow.theme_id.label("assigned")]
    if texts is not None:  # the words only where themes and frictions read them
        inside = T.local_date.between(texts.start, texts.end)
        current = T.themed_hash == T.content_hash  # the stored theme text is of the current content
        # before the analysed dates, a patient's words only where the theme text must be computed again
        unread = and_(T.local_date < (said or texts).start, current)
        cols += [
            case((unread, None), (inside, T.patient_text), else_=None).label("patient_text"),
            case((unread, None), (inside, T.full_text), else_=None).label("full_text"),
            case((and_(inside, current), T.theme_text), else_=None).label("theme_text"),
        ]
    return (
        select(*cols)
        .select_from(InteractionRow)
        .outerjoin(ThemeAssignmentRow, ThemeAssignmentRow.interaction_pk == T.pk)
        .where(T.tenant == tenant, T.local_date >= first, T.local_date <= last)
        .order_by(T.pk)
    )


def _read(store: Store, stmt: Any) -> dict[str, list[Any]]:
    """The statement's rows as columns, read a chunk at a time (a value repeated by many rows held once)."""
    with store.session() as session:
        result = session.execute(stmt, execution_options={"yield_per": _CHUNK})
        names = list(result.keys())
        raw: dict[str, list[Any]] = {name: [] for name in names}
        held: dict[str, dict[Any, Any]] = {name: {} for name in names if name in _REPEATED}
        for chunk in result.partitions():
            columns: dict[str, Any] = dict(zip(names, zip(*chunk, strict=True), strict=True))
            if "full_text" in columns:  # the whole text only where the patient said nothing or themes read it
                columns["full_text"] = [
                    full if stored is None or not (said or "").strip() else None
                    for said, full, stored in zip(
                        columns["patient_text"], columns["full_text"], columns["theme_text"], strict=True
                    )
                ]
            for name, values in columns.items():
                once = held.get(name)
                raw[name].extend(values if once is None else map(once.setdefault, values, values))
    return raw


def _columns(raw: dict[str, list[Any]]) -> dict[str, np.ndarray]:
    n = len(raw["pk"])
    cols: dict[str, np.ndarray] = {}
    for name, values in raw.items():
        if name in _MOMENTS:  # naive UTC datetimes; a missing one (NaT) reads as NA
            cols[name] = np.array(values, dtype="datetime64[us]").astype(np.int64).reshape(n)
        elif name in _FLOATS:
            cols[name] = np.array(values, dtype=float).reshape(n)
        elif name in ("pk", "hour", "weekday"):
            cols[name] = np.asarray(values, dtype=np.int64).reshape(n)
        else:
            cols[name] = np.asarray(values + [None], dtype=object)[:n]  # never a 2-d array of strings
    dates = np.array([as_date(d) for d in raw["local_date"]], dtype="datetime64[D]").reshape(n)
    cols["day"] = dates.astype(np.int64) + _EPOCH_ORDINAL
    cols["month"] = dates.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    # a contact's end, else its start: what follow-up deadlines, attrition and returns count from
    cols["finished"] = np.where(cols["ended"] != NA, cols["ended"], cols["started"])
    cols["reason"] = np.asarray([norm_reason(r) for r in raw["reason"]] + [None], dtype=object)[:n]
    cols["abandoned"] = np.asarray([v is True or v == 1 for v in raw["abandoned"]], dtype=bool)
    cols["answered"] = np.asarray([v is False or v == 0 for v in raw["abandoned"]], dtype=bool)
    cols["follow_up"] = np.asarray([bool(v) for v in raw["follow_up"]], dtype=bool)
    cols["inbound"] = cols["direction"] == "inbound"
    cols["has_patient"] = cols["patient"] != None  # noqa: E711 (elementwise over an object column)
    channel = cols["channel"]
    cols["queued"] = cols["inbound"] & np.isin(channel, SYNC)
    cols["async_in"] = cols["inbound"] & np.isin(channel, ASYNC)
    return cols


def load_dataset(
    *,
    store: Store,
    tenant: str,
    period: Period,
    baseline: Period | None = None,
    settings: Settings | None = None,
    words: bool = True,
) -> PeriodDataset:
    """Read the period, its baseline and the look-back and look-ahead windows the journeys need, once.

    The baseline defaults to the settings' weeks before the period; `words=False` leaves the texts out.
    """
    settings = settings or store.settings
    baseline = baseline or before(period, 7 * max(1, settings.baseline_weeks))
    anomaly_blocks = before(period, days(period) * max(1, settings.baseline_weeks))
    core = Period(start=min(baseline.start, anomaly_blocks.start), end=period.end)
    texts = Period(start=min(baseline.start, period.start), end=period.end) if words else None
    return read_dataset(
        store=store, tenant=tenant, core=core, settings=settings, texts=texts, said=period if words else None
    )


def dataset_for(
    data: PeriodDataset | None,
    *,
    store: Store,
    tenant: str,
    period: Period,
    baseline: Period | None = None,
    words: bool = True,
) -> PeriodDataset:
    """`data` when it holds the period and the baseline before it (with their words), else those read now."""
    first = baseline.start if baseline else period.start
    if data is not None and data.tenant == tenant and data.answers(first, period.end):
        if not words or (
            data.words is not None
            and data.said is not None
            and data.words.start <= first
            and data.said.start <= period.start
            and period.end <= data.words.end
        ):
            return data
    return load_dataset(store=store, tenant=tenant, period=period, baseline=baseline, words=words)


def read_dataset(
    *,
    store: Store,
    tenant: str,
    core: Period,
    settings: Settings | None = None,
    texts: Period | None = None,
    said: Period | None = None,
) -> PeriodDataset:
    """The interactions of the core dates and the windows the journeys read around them, in one SELECT.

    `texts`: the dates whose words it holds (None: no words); `said`: the dates whose patient texts it holds
    for every interaction (default: all of `texts`; before it, only where the stored theme text is stale).
    """
    settings = settings or store.settings
    window = settings.fcr_window_days + 1
    ahead = max(settings.fcr_window_days, settings.attrition_days) + 1
    loaded = Period(start=core.start - timedelta(days=window), end=core.end + timedelta(days=ahead))
    said = said or texts
    raw = _read(store, _query(tenant, loaded.start, loaded.end, texts, said))
    latest = latest_data(store, tenant)
    if latest is not None and latest.date() + timedelta(days=1) > loaded.end:
        # attrition looks for a return up to the end (else start) of a contact + the attrition days: an
        # e-mail that ended days after it started may look past the window
        inside = [
            (e or s).date()
            for s, e, d, direction, p in zip(
                raw["started"], raw["ended"], raw["local_date"], raw["direction"], raw["patient"], strict=True
            )
            if direction == "inbound" and p is not None and as_date(d) <= core.end
        ]
        reach = max(inside, default=core.end) + timedelta(days=settings.attrition_days + 1)
        if reach > loaded.end:
            more = _read(store, _query(tenant, loaded.end + timedelta(days=1), reach, None))
            for name, values in raw.items():
                values.extend(more.get(name, [None] * len(more["pk"])))
            order = sorted(range(len(raw["pk"])), key=raw["pk"].__getitem__)
            raw = {name: [values[i] for i in order] for name, values in raw.items()}
    if "patient_text" not in raw:
        raw["patient_text"] = raw["full_text"] = raw["theme_text"] = [None] * len(raw["pk"])
    return PeriodDataset(
        tenant=tenant,
        core=core,
        settings=settings,
        words=texts,
        said=said,
        latest=None if latest is None else micros(latest),
        cols=_columns(raw),
    )
