"""Settings, read from the environment (prefix PARCOURS_) by a cached `get_settings()`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of Parcours; each field is the variable PARCOURS_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PARCOURS_", extra="ignore")

    home: Path = Field(
        default=Path("~/.parcours"), description="Folder for the SQLite database, Chroma, reports."
    )
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite under home if unset.")
    chroma_url: str | None = Field(
        default=None, description="URL of a Chroma server; embedded Chroma if unset."
    )
    embedding_model: str | None = Field(
        default=None,
        description="Transcript model (vector index, search): sentence-transformers model name or local "
        "path, or multilingual-e5-small (bundled, multilingual); bundled all-MiniLM-L6-v2 if unset.",
    )
    theme_embedding_model: str | None = Field(
        default=None,
        description="Theme model (theme discovery, live classification): same values as embedding_model, "
        "joined by + to read several together, or 'same' for the transcript model alone; unset: the bundled "
        "MiniLM read with the bundled multilingual-e5-small (or the transcript model if one is set).",
    )
    theme_granularity: Literal["standard", "fine"] = Field(
        default="standard",
        description="How finely themes are cut: standard (requests that differ only by the object they name, "
        "a car or a home, are one theme) or fine (each its own theme).",
    )
    embedding_batch_size: int = Field(default=64, description="Texts per embedding batch.")
    timezone: str = Field(default="Europe/Paris", description="Tenant time zone for weeks, days and hours.")
    language: str = Field(default="fr", description="Report language: fr or en.")
    service_level_seconds: int = Field(
        default=60, description="Answered within this many seconds counts as served."
    )
    fcr_window_days: int = Field(default=7, description="A repeat contact within this window breaks FCR.")
    attrition_days: int = Field(default=30, description="A patient not back within this many days is lost.")
    follow_up_default_hours: int = Field(default=48, description="Follow-up deadline when none is given.")
    min_sample: int = Field(default=30, description="Below this many contacts a figure is flagged 'too few'.")
    baseline_weeks: int = Field(default=4, description="Weeks before the period used as baseline.")
    playbook_path: Path | None = Field(
        default=None, description="Edited playbook YAML, else the bundled one."
    )
    glossary_path: Path | None = Field(
        default=None,
        description="French-English glossary (TSV) used to bridge languages in theme discovery, else the "
        "bundled one.",
    )
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint.")
    llm_model: str | None = Field(default=None, description="Model name; no LLM if unset.")
    llm_api_key: str | None = Field(default=None, description="API key (or OPENAI_API_KEY).")
    llm_timeout: float = Field(default=60.0, description="Seconds before an LLM call times out.")
    llm_max_retries: int = Field(default=2, description="Retries of a failing LLM call before falling back.")
    session_hours: float = Field(default=8.0, description="Lifetime of a web app session, in hours.")
    public_url: str | None = Field(
        default=None,
        description="The URL managers open (e.g. https://parcours.chu.example); https marks "
        "session cookies Secure.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose X-Forwarded-Proto and "
        "X-Forwarded-For are believed (e.g. 127.0.0.1,10.0.0.0/8); none by default.",
    )
    queue_url: str | None = Field(
        default=None,
        description="PostgreSQL URL of the task queue (procrastinate); analyses run in-process if unset.",
    )
    worker_concurrency: int = Field(default=1, description="Analyses one `parcours worker` runs at once.")
    analysis_threads: int = Field(
        default=1, description="Analyses one API process runs at once (in-process)."
    )
    lease_seconds: float = Field(
        default=60.0, description="A run whose worker has not reported for this long has no live worker."
    )
    analysis_max_attempts: int = Field(
        default=3, description="Attempts of an analysis (failures and dead workers) before it is failed."
    )
    analysis_retry_seconds: float = Field(
        default=10.0, description="First retry delay of a failed analysis; doubles at each attempt."
    )
    max_queued_analyses: int = Field(
        default=5, description="Analyses one tenant may have pending or running at once (then 429)."
    )
    weekly_at: str = Field(
        default="MON 06:00",
        description="When the weekly report of the week just ended runs (tenant time zone); 'off' disables.",
    )
    report_dir: Path | None = Field(default=None, description="Folder of delivered weekly reports.")
    smtp_host: str | None = Field(default=None, description="SMTP relay host; no e-mail if unset.")
    smtp_port: int = Field(default=25, description="SMTP relay port.")
    smtp_user: str | None = Field(default=None, description="SMTP login, if the relay needs one.")
    smtp_password: str | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_ssl: bool = Field(default=False, description="Connect to the relay over TLS (SMTPS, port 465).")
    smtp_from: str = Field(default="parcours@localhost", description="Sender address of report e-mails.")
    smtp_to: str | None = Field(default=None, description="Report recipients, comma-separated.")
    smtp_timeout: float = Field(default=30.0, description="Seconds before an SMTP exchange times out.")
    webhook_urls: str | None = Field(default=None, description="Webhook endpoints, comma-separated.")
    webhook_secret: str | None = Field(default=None, description="HMAC-SHA-256 key signing webhook bodies.")
    webhook_timeout: float = Field(default=10.0, description="Seconds before a webhook call times out.")
    delivery_max_attempts: int = Field(default=6, description="Attempts of an e-mail or webhook delivery.")
    delivery_backoff_seconds: float = Field(
        default=2.0, description="First retry delay of a delivery; doubles at each attempt."
    )
    pseudonym_key: str | None = Field(
        default=None,
        description="Secret of the keyed hash (HMAC-SHA-256) that replaces patient_ref and agent_ref; "
        "a random key is created in PARCOURS_HOME/pseudonym.key (0600) if unset. Every process writing "
        "to the same database needs the same key.",
        repr=False,
    )
    retention_days: int | None = Field(
        default=None, ge=1, description="Interactions that started longer ago are erased by the purge."
    )
    analysis_retention_days: int | None = Field(
        default=None, ge=1, description="Analyses (with their actions) older than this are deleted."
    )
    checkpoint_retention_days: int | None = Field(
        default=30, ge=1, description="Agent checkpoints (chat memory, resumable runs) kept this long."
    )
    ingest_error_retention_days: int | None = Field(
        default=90, ge=1, description="Rejected-record reports and ingestion batches kept this long."
    )
    erasure_compact: bool = Field(
        default=True,
        description="After an erasure or a purge, rewrite the touched tables and the Chroma database so "
        "deleted bytes leave the files (PostgreSQL VACUUM FULL, SQLite VACUUM of Chroma).",
    )
    max_request_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Largest body of POST /v1/interactions."
    )

    @property
    def home_dir(self) -> Path:
        """The expanded home folder, created if missing."""
        path = self.home.expanduser()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def sql_url(self) -> str:
        """The database URL, SQLite under home by default."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home_dir / 'parcours.db'}"

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma index."""
        return self.home_dir / "chroma"

    @property
    def reports_dir(self) -> Path:
        """Folder where reports are written."""
        path = self.home_dir / "reports"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def reports_folder(self) -> Path:
        """Folder where delivered weekly reports are written (PARCOURS_REPORT_DIR, else home/reports)."""
        path = self.report_dir.expanduser() if self.report_dir else self.home_dir / "reports"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def checkpoint_path(self) -> Path:
        """The SQLite checkpoint file of the agents (used when the store is SQLite)."""
        return self.home_dir / "checkpoints.sqlite"

    @property
    def pseudonym_key_path(self) -> Path:
        """The key file of the pseudonyms, used when PARCOURS_PSEUDONYM_KEY is not set."""
        return self.home_dir / "pseudonym.key"

    @property
    def api_key_for_llm(self) -> str | None:
        """The LLM key: PARCOURS_LLM_API_KEY, else OPENAI_API_KEY."""
        return self.llm_api_key or os.environ.get("OPENAI_API_KEY")

    @property
    def trusted_proxy_list(self) -> list[str]:
        """The trusted proxies, one address or network per item."""
        return [item.strip() for item in self.trusted_proxies.split(",") if item.strip()]

    @property
    def llm_enabled(self) -> bool:
        """Whether a language model is configured."""
        return bool(self.llm_model)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process settings, read once from the environment."""
    return Settings()
