"""Configuration, read once from the environment (or a .env file) in the app factory."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Secrets that ship in examples (or once shipped as a default) and must never be used.
_PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "secret",
        "development-only-secret-change-me-before-production",
    }
)


class Environment(StrEnum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="")

    environment: Environment = Environment.development
    # Unset means: start the embedded PostgreSQL (pgserver) in `pgdata_dir`.
    database_url: str | None = None
    # Where development keeps what it generates once (the token signing secret).
    data_dir: Path = Path(".gateway")
    pgdata_dir: Path = Path(".gateway/pgdata")
    # Unset means: in-process broker, cache and rate-limit counters (single process only).
    redis_url: str | None = None
    # Absolute links the gateway hands out (signed file downloads, OAuth callbacks, channel
    # webhooks) start with this when set; else with the request's own base URL.
    public_base_url: str | None = None
    host: str = "127.0.0.1"
    # Proxies (addresses or CIDR ranges) whose X-Forwarded-For / -Proto the gateway believes.
    # Empty (the default): the peer's own address is the client's, whatever headers say, so
    # neither an IP allow-list nor a per-address limit can be talked around.
    trusted_proxies: list[str] = Field(default_factory=list)
    port: int = Field(default=8000, ge=1, le=65535)
    # Signs tokens. Unset in development: a random secret generated once and kept in
    # data_dir (gateway/auth/signing_secret.py); production refuses to start without one.
    secret_key: SecretStr | None = None
    # Fernet keys sealing third-party secrets at rest, comma-separated, newest first
    # (gateway/secrets.py); unset, one is derived from the signing secret.
    encryption_keys: SecretStr | None = None
    # The workspace anonymous local callers act in until authentication is configured.
    default_workspace_id: str = "ws_default"
    # Connections a process keeps open, and how many more it may open for a burst. Beyond
    # the kept ones a connection is opened and closed per checkout, and connecting costs more
    # CPU than a read: 20 concurrent clients on a pool of 10 spent 10% of a process in
    # asyncpg's connect. Each `--workers` process has its own pool.
    db_pool_size: int = Field(default=20, ge=1)
    db_pool_overflow: int = Field(default=10, ge=0)
    sql_echo: bool = False
    jwt_issuer: str = "marketing-graph-gateway"
    access_token_ttl: int = Field(default=900, ge=60, description="seconds")
    # How long a resolved principal is reused without asking PostgreSQL: the bound on how
    # long a deleted or demoted member's token (or a revocation another replica missed)
    # keeps working. 0 resolves every request.
    principal_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    refresh_token_ttl: int = Field(default=30 * 24 * 3600, ge=3600, description="seconds")
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    graphql_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Multiplies every documented rate limit (tests use small budgets; 0 turns limits off).
    rate_limit_scale: float = Field(default=1.0, ge=0)
    # Every principal's one budget across all surfaces, REST and GraphQL alike.
    gateway_requests_per_minute: int = Field(default=1000, ge=1)
    # Namespace of the counters in Redis (replicas of one deployment share it).
    rate_limit_key_prefix: str = "gateway"
    # Cache analytics answers (gateway/cache.py); off makes every read recompute, which is
    # what bench/marketing_routes.py measures as "uncached". Keep it on in production.
    analytics_cache: bool = True
    # Apply pending migrations when the app starts (safe with replicas: an advisory lock).
    migrate_on_start: bool = True

    # Live updates (subscriptions/, docs/events.md).
    # Publish the outbox from this process (safe with replicas: SKIP LOCKED).
    relay_in_app: bool = True
    relay_poll_seconds: float = Field(default=1.0, gt=0)
    # How long a reconnecting client can resume after its last event id.
    event_retention_seconds: int = Field(default=24 * 3600, ge=60)
    # Events a subscriber may fall behind before it is dropped (close code 4008).
    subscriber_queue_size: int = Field(default=256, ge=1)
    # Run the webhook worker inside the app (`gateway worker` runs it on its own).
    worker_in_app: bool = True
    worker_concurrency: int = Field(default=10, ge=1)
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0)
    worker_stalled_after_seconds: float = Field(default=30.0, gt=0)
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_max_attempts: int = Field(default=10, ge=1)
    webhook_retry_base_seconds: float = Field(default=30.0, gt=0)
    # Consecutive failed attempts after which an endpoint is disabled.
    webhook_disable_after: int = Field(default=50, ge=1)
    # Tests only: let webhooks call 127.0.0.1 (private and metadata addresses stay refused).
    webhook_allow_loopback: bool = False

    # Outgoing email (gateway/adapters/email.py): "sandbox" records instead of sending.
    email_adapter: Literal["sandbox", "smtp"] = "sandbox"
    email_from: str = "Marketing Graph Gateway <no-reply@gateway.invalid>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)

    # Content generation (gateway/adapters/generation.py): "offline" writes from templates
    # driven by the workspace's brand settings; "openai" calls an OpenAI-compatible
    # /chat/completions endpoint at GENERATION_BASE_URL with GENERATION_MODEL.
    generation_adapter: Literal["offline", "openai"] = "offline"
    generation_base_url: str = "https://api.openai.com/v1"
    generation_model: str = "gpt-4o-mini"
    generation_api_key: SecretStr | None = None
    generation_timeout_seconds: float = Field(default=60.0, gt=0)
    # Integrations (gateway/adapters/integrations.py): OAuth, publishing, syncs and checks
    # through the local sandbox, or the providers' own APIs ("live").
    integration_adapter: Literal["sandbox", "live"] = "sandbox"
    integration_timeout_seconds: float = Field(default=20.0, gt=0)
    oauth_state_ttl_seconds: int = Field(default=600, ge=60)
    # Spec 004's social accounts with the live adapter (gateway/adapters/social_accounts.py):
    # JSON {"linkedin": {"id": ..., "secret": ...}, ...}.
    social_oauth_clients: SecretStr | None = None
    # Publishing on the platforms' own APIs with the live adapter
    # (gateway/adapters/platform_posts.py): each API's base URL (tests point them at a
    # local server), LinkedIn's API version, and the wait between Instagram's checks of a
    # video it is still processing.
    twitter_api_base_url: str = "https://api.twitter.com"
    linkedin_api_base_url: str = "https://api.linkedin.com"
    linkedin_api_version: str = "202505"
    facebook_graph_base_url: str = "https://graph.facebook.com/v19.0"
    instagram_graph_base_url: str = "https://graph.instagram.com/v21.0"
    tiktok_api_base_url: str = "https://open.tiktokapis.com"
    youtube_api_base_url: str = "https://www.googleapis.com"
    wordpress_api_base_url: str = "https://public-api.wordpress.com"  # spec 003's blog
    instagram_poll_seconds: float = Field(default=2.0, ge=0)
    # Publishing scheduled content: attempts before it is marked failed, and the first
    # retry's delay (doubled after each further failure).
    publish_max_attempts: int = Field(default=3, ge=1)
    publish_retry_base_seconds: float = Field(default=60.0, ge=0)
    # Spec 002's messaging channels (gateway/adapters/channels.py): "sandbox" records what
    # WhatsApp, Telegram and mobile push would be sent; "live" calls their APIs at these
    # base URLs. The web widget is always served by the gateway itself.
    channel_adapter: Literal["sandbox", "live"] = "sandbox"
    whatsapp_api_base_url: str = "https://graph.facebook.com/v21.0"
    telegram_api_base_url: str = "https://api.telegram.org"
    fcm_api_base_url: str = "https://fcm.googleapis.com"
    channel_timeout_seconds: float = Field(default=15.0, gt=0)
    # Spec 002's proactive engine (gateway/coaching/proactive.py): a trigger succeeded when
    # the user wrote within this many hours of its first message (docs/metrics.md).
    proactive_success_window_hours: float = Field(default=48.0, gt=0, le=24 * 30)
    # The every-minute run over all workspaces; off, only runs asked for one workspace
    # happen (a deployment that must not message anyone, the test suite).
    proactive_schedule: bool = True
    # How long an analytics export's file (and its signed link) lasts.
    export_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # Persisted documents (gateway/persisted_documents.py): `apq` runs any document and
    # Apollo's automatic persisted queries; `trusted` (production) only registered ones.
    persisted_queries: Literal["off", "apq", "trusted"] = "apq"
    apq_ttl_seconds: int = Field(default=24 * 3600, ge=60)

    # Observability (docs/operations.md). Who may read /metrics outside development:
    # client addresses or CIDR ranges, and/or callers bearing METRICS_TOKEN.
    metrics_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)
    metrics_token: SecretStr | None = None
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    # OpenTelemetry traces over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT); needs the `tracing` extra.
    tracing_enabled: bool = False
    otel_service_name: str = "marketing-graph-gateway"
    # As OpenTelemetry's variable: otlp, console, or none (spans for in-process processors).
    otel_traces_exporter: Literal["otlp", "console", "none"] = "otlp"

    @model_validator(mode="after")
    def _tracing_needs_its_packages(self) -> Settings:
        if self.tracing_enabled:
            from gateway.observability import tracing

            missing = tracing.missing_modules()
            if missing:
                raise ValueError(
                    "TRACING_ENABLED=true needs the OpenTelemetry packages "
                    f"({tracing.EXTRA_HINT}); missing: {', '.join(missing)}"
                )
        return self

    @field_validator("metrics_allow", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):  # METRICS_ALLOW=127.0.0.1,10.0.0.0/8
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _metrics_allow_is_addresses(self) -> Settings:
        import ipaddress

        for entry in self.metrics_allow:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"METRICS_ALLOW: '{entry}' is not an address or CIDR range"
                ) from None
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        secret = self.secret_key.get_secret_value() if self.secret_key is not None else None
        if secret is not None and secret in _PLACEHOLDER_SECRETS:
            raise ValueError("SECRET_KEY is a published placeholder; set a real secret")
        if self.environment is Environment.production:
            if secret is None:
                raise ValueError("SECRET_KEY must be set outside development")
            if len(secret) < 32:
                raise ValueError("SECRET_KEY must be at least 32 characters in production")
        return self

    def public_base(self, fallback: str | None = None) -> str:
        """The start of an absolute link, without a trailing slash: PUBLIC_BASE_URL, else
        `fallback` (a request's own base), else this server's host and port."""
        return (self.public_base_url or fallback or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def is_development(self) -> bool:
        return self.environment is Environment.development
