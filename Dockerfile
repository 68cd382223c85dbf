# Callsheet server and scanner agent image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY server ./server
COPY db ./db
COPY devices ./devices
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 callsheet \
    && usermod -aG dialout callsheet \
    && mkdir -p /var/lib/callsheet && chown callsheet /var/lib/callsheet

USER callsheet
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["sh", "-c", "callsheet migrate && exec callsheet serve --host 0.0.0.0 --port 8000"]
