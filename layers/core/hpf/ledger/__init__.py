"""Core ledger (核心业务系统, reference implementation): units, personal accounts, remittances, entries.

Pure domain: no boto3, no chalice. Services receive a UnitOfWork (ports.py) from hpf.bootstrap.
"""
