"""External services behind small adapter interfaces, one module per kind of service.

Each module defines:
- a Protocol with the few calls the gateway needs (send an email, publish a post, exchange
  an OAuth code, generate text ...), taking and returning plain dataclasses;
- `Sandbox...`: a local implementation that behaves plausibly (ids, statuses, the failure
  cases it documents) and records what it was asked in `sandbox_calls` (sandbox.py), used
  by the demo and the tests, since this gateway's machines reach no outside service;
- the real implementation on httpx (or the service's maintained client), same interface;
- `from_settings(settings, ...)`, which picks one by a setting (`<KIND>_ADAPTER`,
  "sandbox" by default). Nothing in the domain code knows which one is live.

Credentials an adapter needs are sealed at rest (gateway/secrets.py) and opened only to
make the call.
"""
