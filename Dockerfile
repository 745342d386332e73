# Service Audit: the web process (gunicorn) and, with another command, the RQ worker.
#   docker build -t service-audit .
# compose.yaml runs it beside PostgreSQL, Redis and an S3-compatible store.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# PDF reports: WeasyPrint draws with Pango, subsets fonts with HarfBuzz and uses the
# DejaVu fonts (PDF_PACKAGES in the Makefile; tests/unit/test_deploy_files.py keeps the
# two lists in step). pg_dump and pg_restore for `flask --app wsgi backup`.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The interface's translations: the compiled catalogues are built, never committed.
RUN pybabel compile -d audit/translations

# A user of its own; it may write only to instance/ (unused with PostgreSQL and S3) and
# to the Prometheus folder the gunicorn workers share.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home audit \
    && mkdir -p /app/instance /run/service-audit/metrics \
    && chown -R audit:audit /app/instance /run/service-audit
USER audit

# Bind and workers here (gunicorn.conf.py leaves them to the command line or this
# variable); override GUNICORN_CMD_ARGS to change them.
ENV GUNICORN_CMD_ARGS="--bind 0.0.0.0:8000 --workers 4 --timeout 120" \
    PROMETHEUS_MULTIPROC_DIR=/run/service-audit/metrics \
    LOG_FORMAT=json
EXPOSE 8000

# /healthz: the process answers (no database, storage or Redis involved; /readyz is for
# the load balancer). No curl in the slim image: Python asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

CMD ["gunicorn", "--config", "gunicorn.conf.py"]
