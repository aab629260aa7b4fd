"""FastAPI app: routers per resource, auth, the managers' web UI and report rendering."""
