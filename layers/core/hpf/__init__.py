"""hpf — the shared layer of the housing provident fund (住房公积金) platform.

Areas live in sub-packages (``hpf.ledger``, ``hpf.platform``…) as pure domain code; ``hpf.adapters`` holds the
boto3/httpx implementations of their ports; ``hpf.bootstrap`` wires them together.
"""
