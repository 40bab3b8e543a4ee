"""Entrypoints other than HTTP: queue consumers, stream consumers, schedules and state-machine tasks.

One module per area, beside ``hpf.web`` (the HTTP entrypoints' machinery); ``functions/<area>/app.py``
registers each handler as a Lambda function in one line. A handler here reads the event, takes its services
from the composition root (``hpf.bootstrap``), calls them, logs and counts — the rules stay in the area's
domain package, which imports none of this (the layering contracts in ``pyproject.toml`` check it).
"""
