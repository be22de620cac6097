# syntax=docker/dockerfile:1
# One image for every Counterfoil process: `counterfoil web` (the default), `counterfoil worker`
# and `counterfoil migrate`, configured only by COUNTERFOIL_* environment variables (README,
# "Running it in production"). Everything is built here; nothing is built when a container starts.

# The resident pages' CSS, JS and images (frontend/build.sh), compiled with npm.
FROM node:20-slim AS assets
WORKDIR /src
COPY frontend/package.json frontend/package-lock.json frontend/
RUN cd frontend && npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ frontend/
RUN sh frontend/build.sh

# The package and its dependencies in a virtualenv, with the assets above as package data.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY counterfoil/ counterfoil/
COPY --from=assets /src/counterfoil/web/static/build/ counterfoil/web/static/build/
RUN python -m venv /opt/counterfoil && /opt/counterfoil/bin/pip install .

# The runtime: the virtualenv only, run by an unprivileged user.
FROM python:3.11-slim
RUN useradd --system --uid 10001 --create-home --home-dir /app counterfoil \
    && mkdir /app/var && chown counterfoil:counterfoil /app/var
COPY --from=build /opt/counterfoil /opt/counterfoil
ENV PATH=/opt/counterfoil/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    COUNTERFOIL_HOST=0.0.0.0 \
    COUNTERFOIL_PORT=8000 \
    COUNTERFOIL_VAR_DIR=/app/var
WORKDIR /app
USER counterfoil
EXPOSE 8000
ENTRYPOINT ["counterfoil"]
CMD ["web"]
