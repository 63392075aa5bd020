# Browser files from the npm registry (package.json): plotly.js' partial bundle and
# the Sarabun font, served from node_modules by bmaproj/staticfinders.py.
FROM node:20-slim AS browser-files
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DEBUG=false

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bmaproj bmaproj
COPY projects projects
COPY indicators indicators
COPY reports reports
RUN pip install .
COPY . .
COPY --from=browser-files /app/node_modules node_modules
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input

RUN useradd --system --home /app portal && chown -R portal /app
USER portal
EXPOSE 8000
# --timeout 120 as the proxy's read timeout: a big plan import is one long request.
CMD ["gunicorn", "bmaproj.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
