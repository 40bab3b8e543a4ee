"""Runnable sandboxes of the external systems: same interface, input validation, state, fault injection."""
