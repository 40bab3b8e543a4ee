"""Implementations of the domain ports: AWS services (boto3) and partner systems (httpx)."""
