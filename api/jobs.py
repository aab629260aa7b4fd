"""Background analysis runs: started by the API, run in a worker thread pool, progress kept in `analyses`.

A run survives the request that started it; its row moves pending → running → done | failed and carries
`progress` (0..1) and the current `step`. On one machine the pool is in-process; for several API processes,
point them at the same database and run analyses with `parcours analyze` on a job queue (DESIGN §10).
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from api.queries import now_utc, save_result
from core.results import AnalysisResult, Period
from core.settings import Settings
from store.db import Store
from store.schema import AnalysisRow

log = logging.getLogger("parcours.api.jobs")

Runner = Callable[..., AnalysisResult]


def _default_runner() -> Runner:
    import importlib

    return importlib.import_module("agent.analysis").run_analysis  # type: ignore[no-any-return]


class AnalysisJobs:
    """Starts analyses in the background and records their progress."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        resources: Callable[[], tuple[Any | None, Any | None]] | None = None,
        runner: Runner | None = None,
        max_workers: int = 1,
        on_finish: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._resources = resources or (lambda: (None, None))
        self._runner = runner
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="parcours-analysis")
        self._on_finish = on_finish
        self.futures: dict[str, Future[None]] = {}

    def start(self, *, tenant: str, period: Period | None) -> str:
        """Create the analysis row and queue the run; returns its id at once."""
        analysis_id = "an-" + uuid.uuid4().hex[:12]
        today = now_utc().date()
        with self.store.session() as session:
            session.add(
                AnalysisRow(
                    id=analysis_id,
                    tenant=tenant,
                    status="pending",
                    progress=0.0,
                    step="queued",
                    period_start=period.start if period else today,
                    period_end=period.end if period else today,
                    created_at=now_utc(),
                )
            )
        self.futures[analysis_id] = self._pool.submit(self._run, analysis_id, tenant, period)
        return analysis_id

    def _update(self, analysis_id: str, **values: Any) -> None:
        with self.store.session() as session:
            row = session.get(AnalysisRow, analysis_id)
            if row is not None:
                for name, value in values.items():
                    setattr(row, name, value)

    def _progress(self, analysis_id: str) -> Callable[..., None]:
        def report(step: str, fraction: float | None = None, *_args: Any, **_kwargs: Any) -> None:
            values: dict[str, Any] = {"step": str(step)[:40]}
            if fraction is not None:
                values["progress"] = max(0.0, min(0.99, float(fraction)))
            self._update(analysis_id, **values)

        return report

    def _run(self, analysis_id: str, tenant: str, period: Period | None) -> None:
        self._update(analysis_id, status="running", step="starting", progress=0.01)
        try:
            runner = self._runner or _default_runner()
            index, embedder = self._resources()
            kwargs: dict[str, Any] = {
                "store": self.store,
                "tenant": tenant,
                "period": period,
                "settings": self.settings,
                "index": index,
                "embedder": embedder,
                "thread_id": analysis_id,
            }
            params = inspect.signature(runner).parameters
            if "analysis_id" in params:  # the pipeline keeps the row (status, step, progress) itself
                kwargs["analysis_id"] = analysis_id
            else:
                for name in ("on_progress", "progress"):
                    if name in params:
                        kwargs[name] = self._progress(analysis_id)
            kwargs = {k: v for k, v in kwargs.items() if k in params or _has_var_kw(params)}
            result = runner(**kwargs)
            if result.analysis_id != analysis_id:
                # The pipeline chose its own id: keep the row the client polls as the record of this run.
                original_id = result.analysis_id
                result = result.model_copy(update={"analysis_id": analysis_id})
                self._fold_into(analysis_id, original_id)
            save_result(self.store, result)
            log.info("analysis %s done", analysis_id)
            self._finish(analysis_id, "done")
        except Exception as exc:
            log.exception("analysis %s failed", analysis_id)
            message = str(exc) or type(exc).__name__
            if isinstance(exc, ModuleNotFoundError):
                message = f"the analysis pipeline is not installed ({exc.name})"
            self._update(analysis_id, status="failed", error=message[:2000], finished_at=now_utc())
            self._finish(analysis_id, "failed")

    def _fold_into(self, analysis_id: str, original_id: str) -> None:
        """Fold a row the pipeline persisted under its own id into ours (its actions move with it)."""
        from store.schema import ActionRow

        with self.store.session() as session:
            for action in session.query(ActionRow).filter(ActionRow.analysis_id == original_id):
                action.analysis_id = analysis_id
            session.flush()
            row = session.get(AnalysisRow, original_id)
            if row is not None:
                session.delete(row)

    def _finish(self, analysis_id: str, status: str) -> None:
        if self._on_finish is not None:
            try:
                self._on_finish(status)
            except Exception:  # metrics must never break a run
                log.debug("on_finish hook failed", exc_info=True)

    def wait(self, analysis_id: str, timeout: float | None = None) -> None:
        """Block until a run started by this process ends (for tests and the CLI)."""
        future = self.futures.get(analysis_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        """Stop accepting runs and wait for the running ones."""
        self._pool.shutdown(wait=True, cancel_futures=False)


def _has_var_kw(params: Any) -> bool:
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
