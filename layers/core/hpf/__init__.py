"""hpf — the shared layer of the housing provident fund (住房公积金) platform.

Areas live in sub-packages (``hpf.ledger``, ``hpf.platform``…) as pure domain code; ``hpf.adapters`` holds the
boto3/httpx implementations of their ports; ``hpf.bootstrap`` wires them together.
"""

import os

# The platform uses no pydantic plugins. Without this, pydantic scans every installed distribution's entry
# points when it builds its first validator — about 30 ms of every cold start. A deployment may override it.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
