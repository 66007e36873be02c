# Production image: gunicorn for the web, the same image for Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SAFESPACE_VAR_DIR=/app/var

# WeasyPrint renders PDFs through Pango; fonts for French and English text.
# manage.py backup/restore run pg_dump/pg_restore, which must be at least the server's
# major version (PostgreSQL 16 in docker-compose.yml; Debian's own client is 15), so the
# client comes from the PostgreSQL project's apt repository (its key ships in postgresql-common).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    ca-certificates postgresql-common \
 && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
 && apt-get install -y --no-install-recommends postgresql-client-16 \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 safespace
WORKDIR /app
COPY pyproject.toml README.md ./
COPY safespace ./safespace
COPY cases ./cases
COPY lifeplans ./lifeplans
COPY shelters ./shelters
COPY dropin ./dropin
COPY reports ./reports
RUN pip install .
COPY . .

# collectstatic and the translations need settings, but no real secret.
RUN DJANGO_DEBUG=1 SAFESPACE_VAR_DIR=/tmp/build-var python manage.py compiletranslations \
 && DJANGO_DEBUG=1 SAFESPACE_VAR_DIR=/tmp/build-var DJANGO_STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput \
 && rm -rf /tmp/build-var \
 && mkdir -p /app/var/backups && chmod 700 /app/var/backups && chown -R safespace /app/var

ENV DJANGO_STATIC_ROOT=/app/staticfiles
USER safespace
EXPOSE 8000
CMD ["gunicorn", "safespace.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--access-logformat", "%(t)s %(m)s %(s)s %(b)s %(M)sms"]
