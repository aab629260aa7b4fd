from sqlalchemy import inspect, text

from store.db import Store, head_revision

TABLES = {
    "interactions",
    "turns",
    "term_counts",
    "ingest_batches",
    "ingest_errors",
    "themes",
    "theme_assignments",
    "analyses",
    "actions",
    "action_events",
    "api_keys",
    "embedding_cache",
    "web_sessions",
    "deliveries",
    "privacy_state",
    "erasures",
    "alembic_version",
}


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from store.db import _MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return str(ScriptDirectory.from_config(config).get_current_head())


def test_migrations_create_the_schema_and_are_idempotent(store):
    assert TABLES <= set(store.table_names())
    again = Store(store.url, settings=store.settings)  # a second process start: nothing to do, nothing lost
    assert TABLES <= set(again.table_names())
    with again.engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == head_revision()
    again.close()


def test_kpi_indexes_exist(store):
    names = {ix["name"] for ix in inspect(store.engine).get_indexes("interactions")}
    assert {
        "ix_interactions_tenant_started",
        "ix_interactions_tenant_queue_date",
        "ix_interactions_tenant_channel_date",
        "ix_interactions_tenant_patient_started",
    } <= names


def test_default_store_lives_under_home(settings):
    store = Store.from_settings(settings)
    assert store.dialect == "sqlite"
    assert (settings.home.expanduser() / "parcours.db").exists()
    store.close()
