"""Logging, metrics and correlation ids, shared by every function."""
