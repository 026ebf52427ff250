"""Live updates: domain events, the broker, GraphQL subscriptions, webhooks."""
