# tracker service image: slim Python, dependencies from uv.lock, non-root user.
# BASE_IMAGE: any Debian-based Python 3.11 image with pip; CI on a machine that cannot pull
# from a registry builds on a local stand-in (.ci/container-base).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE} AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH="/opt/venv/bin:$PATH"

RUN pip install --no-cache-dir uv \
    && useradd --create-home --uid 10001 tracker

WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY tracker ./tracker
COPY alembic ./alembic
COPY config.example.toml ./
RUN uv sync --frozen --no-dev \
    && mkdir -p /data && chown tracker:tracker /data

USER tracker
ENV TRACKER_DATABASE__URL=sqlite:////data/tracker.db \
    TRACKER_WEB__HOST=0.0.0.0 \
    TRACKER_WEB__PORT=8080
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"

# Migrations first (explicit, so a failing migration stops the container), then the service.
CMD ["sh", "-c", "tracker db upgrade && exec tracker run"]
