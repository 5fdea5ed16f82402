# One image for the API and the scheduler (docker-compose runs it twice with different
# commands). No Node at run time: the web assets are committed already built.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

# Pango, HarfBuzz and a font (metric-compatible with Arial) for WeasyPrint, which writes the
# papers as tagged PDF (docs/reports.md)
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 planner
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY planner ./planner
COPY optimiser ./optimiser
COPY forecasts ./forecasts
COPY api ./api
# the same pinned releases as CI and `python3 run.py` (README, "Dependencies")
RUN pip install -c requirements.lock .

USER planner
EXPOSE 8000
ENTRYPOINT ["planner"]
CMD ["serve", "--host", "0.0.0.0"]
