"""The bank links of a deployment and the offices' special accounts, from ``HPF_BANK_LINKS`` (JSON):

    {"banks": {"105": {"host": "…", "port": 9105, "center_node": "C36060", "bank_node": "B10500",
                       "master_key": "<32 hex>", "tx_unit_no": "360600000000001", "timeout": 30,
                       "profile": "bank-2018", "keys": {"private_key": "<PEM>"}}},
     "special_accounts": {"360600": {"bank": "105", "account_no": "…", "name": "…", "bank_name": "…"}}}

``profile`` is the bank's dialect (hpf/settlement/bdc/dialect.py): absent for ours, a bundled profile's name, a
YAML file's path, or the profile inline; ``keys`` is the key material its cipher needs beyond ``master_key``.

The master keys are secrets: in a deployment the value comes from an encrypted parameter (the template's NoEcho
parameter), never from the repository. One client per bank per process, kept between invocations: a warm
function reuses its signed-in connection.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

from hpf.settlement.bdc.client import BankLink, BdcClient
from hpf.settlement.bdc.dialect import load_profile
from hpf.settlement.service import SpecialAccount


class BdcBankGateway:
    def __init__(self, config: dict[str, Any]):
        self._links = {code: BankLink(code, b["host"], int(b["port"]), b["center_node"], b["bank_node"],
                                      bytes.fromhex(b.get("master_key", "")), b["tx_unit_no"],
                                      timeout=float(b.get("timeout", 30)), profile=load_profile(b.get("profile")),
                                      keys=dict(b.get("keys") or {}))
                       for code, b in config.get("banks", {}).items()}
        self._accounts = {org: SpecialAccount(a["bank"], a["account_no"], a["name"], a.get("bank_name", ""))
                          for org, a in config.get("special_accounts", {}).items()}
        self._clients: dict[str, BdcClient] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_json(cls, text: str) -> BdcBankGateway:
        return cls(json.loads(text))

    def special_account(self, org: str) -> SpecialAccount:
        return self._accounts[org]  # KeyError: the office has no special account configured

    def offices(self) -> list[str]:
        return sorted(self._accounts)

    def center_node(self, bank: str) -> str:
        return self._links[bank].center_node

    def offers(self, bank: str, tx_code: str) -> bool:
        """Whether this bank's front offers the transaction at all (its profile's ``lacks``)."""
        return self._links[bank].profile.offers(tx_code)

    def call(self, bank: str, tx_code: str, body: dict[str, str], serial: str | None = None,
             sent_at: datetime | None = None, paging: tuple[int, int] | None = None,
             lists: dict[str, list[dict[str, str]]] | None = None) -> Any:
        return self._client(bank).call(tx_code, body, serial=serial, sent_at=sent_at, paging=paging, lists=lists)

    def _client(self, bank: str) -> BdcClient:
        with self._lock:
            if bank not in self._clients:
                self._clients[bank] = BdcClient(self._links[bank])
            return self._clients[bank]
