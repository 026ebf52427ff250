"""The organic marketing dashboard's domain services (spec 003): the rules behind its
writes and jobs (content and publishing, generation, email, leads, analytics exports,
integrations), called by the graph's mutations (resolvers/organic_*.py) and by the job
engine's tasks (jobs.py). Reads that need SQL beyond the loaders are in analytics/."""
