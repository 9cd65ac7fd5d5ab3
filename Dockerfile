# Production image: gunicorn serves the portal, the same image runs the Celery worker and beat.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango and HarfBuzz; DejaVu gives the dossiers a font with German glyphs;
# qpdf checks rendered dossiers in operations. `manage.py backup` calls pg_dump, whose major version must not be
# older than the server's (postgres:16 in docker-compose.yml): Debian bookworm ships 15, so the client comes from
# the PostgreSQL project's apt repository, set up with the key that postgresql-common ships.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext qpdf \
        postgresql-client-16 \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 portal
WORKDIR /app

COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY --chown=portal:portal . .
# Production settings need a secret and a broker: the build steps get placeholders that neither command uses and
# that stay out of the image (a running container without the real ones refuses to start).
# Named volumes mounted on /data/private and /data/backups take these directories' owner on first use.
RUN export DEBUG=0 SECRET_KEY=build-only ALLOWED_HOSTS=localhost REDIS_URL=redis://build-only.invalid:6379/0 \
    && python manage.py collectstatic --noinput -v0 \
    && python manage.py compilemessages -v0 \
    && mkdir -p /data/private /data/backups && chown portal:portal /data/private /data/backups

USER portal
ENV STATIC_ROOT=/app/var/staticfiles \
    PRIVATE_MEDIA_ROOT=/data/private
EXPOSE 8000
# Health checks live in docker-compose.yml: web, worker and beat run this image with different probes.
# The access log names no one: time, method, path without query, status, size and duration; no client address,
# user agent, referrer or query string (docs/data-protection.md, "Logs").
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--access-logformat", "%(t)s %(m)s %(U)s %(s)s %(b)s %(M)sms"]
