"""Process telemetry: Prometheus metrics and structured logs. Imports nothing of Callsheet, so every
layer may record into it."""
