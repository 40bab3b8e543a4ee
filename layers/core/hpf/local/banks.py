"""The bank sandboxes of the local platform: the big four and a Jiangxi city bank, each with the special account
(住房公积金专户) of one office, and the bank-links parameter that points the settlement functions at them.

The city bank speaks a foreign dialect (profile ``bank-2018``: the 2018 bank-side codes, other field names, a vendor
RSA/SM4 cipher, 0x00 padding…), so everything the local platform and the fault campaign do crosses one."""

from __future__ import annotations

import json
import os
from decimal import Decimal

from hpf.sandbox.bank import BankSandbox

# bank code, branch, node number, the office whose special account it keeps, its dialect
BANKS = [
    ("105", "中国建设银行鹰潭分行", "B10500", "360600", "ours"),
    ("102", "中国工商银行鹰潭分行", "B10200", "360602", "ours"),
    ("103", "中国农业银行鹰潭分行", "B10300", "360603", "ours"),
    ("104", "中国银行鹰潭分行", "B10400", "", "ours"),
    ("313", "上饶银行鹰潭分行", "B31300", "360681", "bank-2018"),
]
CENTER_NODE = "C36060"
OPENING_BALANCE = Decimal("50000000.00")  # enough for any local run; a fault test lowers it on purpose


def special_account_no(bank: str) -> str:
    return f"3600{bank}00005250{bank}1"


def start_banks(timeout: float = 30.0) -> tuple[dict[str, BankSandbox], str]:
    """Start every sandbox on a free port; returns them and the BankLinks JSON for the template."""
    from hpf.identity.roles import organisations
    from hpf.settlement.bdc.dialect import load_profile

    banks: dict[str, BankSandbox] = {}
    links: dict = {"banks": {}, "special_accounts": {}}
    for code, name, node, org, dialect in BANKS:
        key = os.urandom(16)  # fresh keys each run: nothing secret is kept
        profile = load_profile(dialect)
        center_keys, bank_keys = _cipher_keys(profile.cipher)
        sandbox = BankSandbox(code, name, node, key, profile, bank_keys)
        host, port = sandbox.start()
        banks[code] = sandbox
        links["banks"][code] = {"host": host, "port": port, "center_node": CENTER_NODE, "bank_node": node,
                                "master_key": key.hex(), "tx_unit_no": "360600000000001", "timeout": timeout,
                                "profile": dialect, "keys": center_keys}
        if org:
            account, holder = special_account_no(code), f"{organisations()[org]}住房公积金专户"
            sandbox.open_account(account, holder, OPENING_BALANCE)
            links["special_accounts"][org] = {"bank": code, "account_no": account, "name": holder,
                                              "bank_name": name}
    for sandbox in banks.values():
        sandbox.network = banks
    return banks, json.dumps(links)


def _cipher_keys(cipher: str) -> tuple[dict[str, str], dict[str, str]]:
    """Key material beyond the master key, the center's half and the bank's: the RSA pair of the vendor cipher."""
    if cipher != "rsa-sm4-ecb":
        return {}, {}
    from hpf.settlement.bdc.vendor_rsa import new_center_key_pair

    private, public = new_center_key_pair()
    return {"private_key": private}, {"public_key": public}
