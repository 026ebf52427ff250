# The gateway as one image; configure with DATABASE_URL, REDIS_URL, SECRET_KEY, ENVIRONMENT.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY resolvers ./resolvers
COPY models ./models
COPY subscriptions ./subscriptions
COPY schema.graphql ./
RUN pip install . && useradd --system --uid 10001 gateway
USER gateway

ENV HOST=0.0.0.0 PORT=8000 ENVIRONMENT=production
EXPOSE 8000
# The app migrates on start (serialised by an advisory lock, so replicas may start together).
CMD ["uvicorn", "--factory", "gateway.app:serve_app", "--host", "0.0.0.0", "--port", "8000", "--no-proxy-headers", "--no-access-log", "--ws-per-message-deflate", "false", "--ws", "gateway.websocket_protocol:LeanWebSocketProtocol"]
