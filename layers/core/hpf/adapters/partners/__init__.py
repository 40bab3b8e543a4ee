"""Clients of the external systems (httpx), one module per system."""
