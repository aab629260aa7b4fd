"""One APIRouter per resource, assembled by api.main."""
