"""What an operator sees: Prometheus metrics (/metrics), structured JSON logs and, when
switched on, OpenTelemetry traces. docs/operations.md describes each."""
