"""boto3 adapters. Clients are created once per process and lazily (cold starts)."""
