"""The demo data set and demo users of the local platform, loaded through the real HTTP interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from stdnum.cn import ric, uscc

from hpf.common.clock import SHANGHAI
from hpf.sandbox.identity import IdentitySandbox, SandboxUser


def valid_credit_code(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


def valid_resident_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")  # stdnum wants a placeholder check digit


DEMO_DEVELOPER_CREDIT_CODE = valid_credit_code("91360600MA35KF008")  # 鹰潭示范置业有限公司

STAFF = [
    SandboxUser("clerk01", "demo-clerk01", "staff", ["counter_clerk"], "王敏", org="360600", default_channel="counter"),
    SandboxUser("clerk-gx", "demo-clerk-gx", "staff", ["counter_clerk"], "刘洋", org="360681", default_channel="counter"),
    SandboxUser("approver01", "demo-approver01", "staff", ["approver"], "陈静", org="360600", default_channel="counter"),
    SandboxUser("finance01", "demo-finance01", "staff", ["finance"], "赵磊", org="360600", default_channel="counter"),
    SandboxUser("auditor01", "demo-auditor01", "staff", ["auditor"], "孙丽", org="360600", default_channel="web"),
    SandboxUser("leader01", "demo-leader01", "staff", ["leader"], "周强", org="360600", default_channel="web"),
    SandboxUser("operator01", "demo-operator01", "staff", ["operator"], "吴昊", org="360600", default_channel="web"),
    SandboxUser("archivist01", "demo-archivist01", "staff", ["archivist"], "郑洁", org="360600", default_channel="web"),
    SandboxUser("dataadmin01", "demo-dataadmin01", "staff", ["data_admin"], "钱进", org="360600", default_channel="web"),
    SandboxUser("terminal01", "demo-terminal01", "terminal", ["terminal"], "月湖大厅1号终端", org="360602",
                default_channel="terminal"),
    SandboxUser("developer01", "demo-developer01", "developer", ["developer"], "鹰潭示范置业有限公司",
                credit_code=DEMO_DEVELOPER_CREDIT_CODE, default_channel="developer_web"),
    SandboxUser("regulator01", "demo-regulator01", "partner", ["regulator"], "江西省住房公积金监管平台",
                default_channel="partner"),
]

UNITS = [
    {"name": "鹰潭市示范科技有限公司", "credit_code": valid_credit_code("91360600MA35DE001"),
     "unit_ratio": "0.12", "personal_ratio": "0.12", "org": "360600"},
    {"name": "贵溪市示范铜业有限公司", "credit_code": valid_credit_code("91360681MA35DE002"),
     "unit_ratio": "0.08", "personal_ratio": "0.08", "org": "360681"},
]
PEOPLE: list[dict[str, Any]] = [
    {"name": "李华", "id_number": valid_resident_id("36060219900101123"), "deposit_base": "6800.00", "unit": 0},
    {"name": "张伟", "id_number": valid_resident_id("36060219851212345"), "deposit_base": "5200.00", "unit": 0},
    {"name": "黄芳", "id_number": valid_resident_id("36068119920606222"), "deposit_base": "4300.00", "unit": 1},
]


@dataclass
class DemoData:
    users: list[SandboxUser] = field(default_factory=list)
    unit_accounts: list[str] = field(default_factory=list)
    account_numbers: list[str] = field(default_factory=list)
    remittances: list[str] = field(default_factory=list)
    loans: list[str] = field(default_factory=list)
    licence_code: str = ""  # depositor01's authorization at the e-licence library (赣服通), for the APP's materials


DEMO_CARD = "6217002000000000011"  # 李华's repayment card at the 建行 sandbox
DEMO_SELLER = "36050100000000000888"  # the demo developer's supervised account at the 中行 sandbox


def load_demo(identity: IdentitySandbox, gateway_url: str, banks: dict | None = None,
              licences: Any = None, bigdata: Any = None) -> DemoData:
    demo = DemoData()
    for user in STAFF:
        identity.add_user(user)
        demo.users.append(user)
    clerk = {"Authorization": f"Bearer {identity.token_for('clerk01')}"}
    month = datetime.now(SHANGHAI).strftime("%Y-%m")
    with httpx.Client(base_url=gateway_url, timeout=30, headers=clerk) as http:
        for unit in UNITS:
            demo.unit_accounts.append(_ok(http.post("/ledger/units", json=unit))["unit_account"])
        for person in PEOPLE:
            body = {k: person[k] for k in ("name", "id_number", "deposit_base")}
            opened = _ok(http.post(f"/ledger/units/{demo.unit_accounts[person['unit']]}/accounts", json=body))
            demo.account_numbers.append(opened["account_no"])
        finance = {"Authorization": f"Bearer {identity.token_for('finance01')}"}
        for unit_account in demo.unit_accounts:
            recorded = _ok(http.post(f"/ledger/units/{unit_account}/remittances", json={"month": month}))
            demo.remittances.append(recorded["remittance_id"])
            # the unit pays; finance matches the arrival on the bank statement (posting follows on its own)
            _ok(http.post(f"/ledger/remittances/{recorded['remittance_id']}/funds", headers=finance,
                          json={"amount": recorded["total"], "bank_serial": f"DEMO-{recorded['remittance_id']}"}))
    depositor = SandboxUser("depositor01", "demo-depositor01", "depositor", ["depositor"], PEOPLE[0]["name"],
                            id_number=PEOPLE[0]["id_number"], default_channel="app")
    agent = SandboxUser("unitagent01", "demo-unitagent01", "unit_agent", ["unit_agent"], "单位经办人 李敏",
                        unit_account=demo.unit_accounts[0], default_channel="unit_web")
    for user in (depositor, agent):
        identity.add_user(user)
        demo.users.append(user)
    if banks:
        demo.loans.append(_demo_loan(identity, gateway_url, banks, demo.account_numbers[0]))
    if licences is not None:
        demo.licence_code = _demo_licences(licences)
    if bigdata is not None:
        _demo_shared_data(bigdata)
        _demo_developer(identity, gateway_url)
    return demo


DEMO_PROJECT_PERMIT = "YS2026-YT-0018"  # 鹰潭示范花园's presale permit


def _demo_shared_data(bigdata: Any) -> None:
    """The big-data center's records of the demo's people, units and developer: what its 21 sources would say."""
    for person in PEOPLE:
        id_number, sex = person["id_number"], "1" if int(person["id_number"][16]) % 2 else "2"
        bigdata.add_records("resident_identity", [{"SFZH": id_number, "XM": person["name"], "XB": sex, "MZ": "汉",
                                                   "CSRQ": f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}",
                                                   "HJDZ": "江西省鹰潭市月湖区胜利东路32号"}])
        bigdata.add_records("social_security_card", [{"SFZH": id_number, "XM": person["name"],
                                                      "SBKH": f"J36{id_number[-8:]}", "KZT": "正常"}])
    bigdata.add_records("marriage", [{"SFZH": PEOPLE[0]["id_number"], "XM": PEOPLE[0]["name"], "HYZT": "已婚",
                                      "POXM": PEOPLE[1]["name"], "POSFZH": PEOPLE[1]["id_number"]}])
    bigdata.add_records("contract_filing", [{"SFZH": PEOPLE[0]["id_number"], "MSR": PEOPLE[0]["name"],
                                             "BAH": "YTBA2026000318", "HTBH": "YTWQ2026000318", "XMMC": "鹰潭示范花园",
                                             "ZL": "鹰潭市月湖区示范花园3栋502", "HTJE": "820000.00",
                                             "BARQ": "2026-11-01"}])
    for unit in UNITS:
        bigdata.add_records("business_registration", [{"TYSHXYDM": unit["credit_code"], "QYMC": unit["name"],
                                                       "FDDBR": "王建", "DJZT": "存续", "ZS": "江西省鹰潭市"}])
    bigdata.add_records("business_registration", [{"TYSHXYDM": DEMO_DEVELOPER_CREDIT_CODE, "QYMC": "鹰潭示范置业有限公司",
                                                   "FDDBR": "赵志远", "DJZT": "存续", "ZS": "鹰潭市月湖区站江路18号"}])
    bigdata.add_records("presale_permit", [{"XKZH": DEMO_PROJECT_PERMIT, "KFQY": "鹰潭示范置业有限公司",
                                            "TYSHXYDM": DEMO_DEVELOPER_CREDIT_CODE, "XMMC": "鹰潭示范花园",
                                            "YSMJ": "42000", "JGZH": DEMO_SELLER, "FZRQ": "2026-03-01"}])
    for source, number in (("planning_permit", "JSGH2026-YT-0031"), ("land_planning_permit", "YDGH2026-YT-0012"),
                           ("construction_permit", "SGXK2026-YT-0045")):
        bigdata.add_records(source, [{"XKZH": number, "XMMC": "鹰潭示范花园", "JSDW": "鹰潭示范置业有限公司"}])


def _demo_developer(identity: IdentitySandbox, gateway_url: str) -> None:
    """鹰潭示范置业 registered at the counter (its signed authorization recorded first) and its project, both checked
    against the shared data; the demo loan is paid into its supervised account, so the developer hall shows it."""
    clerk = {"Authorization": f"Bearer {identity.token_for('clerk01')}"}
    with httpx.Client(base_url=gateway_url, timeout=30, headers=clerk) as http:
        def consent(kind: str, subject: str, scenario: str) -> str:
            return str(_ok(http.post("/datashare/authorizations", json={
                "subject_kind": kind, "subject_id": subject, "subject_name": "鹰潭示范置业有限公司",
                "scenarios": [scenario], "valid_days": 365, "evidence_kind": "signed_form",
                "evidence_reference": f"DEMO-AUTH-{subject}"}))["authorization_id"])

        _ok(http.post("/lending/developers", json={
            "credit_code": DEMO_DEVELOPER_CREDIT_CODE, "name": "鹰潭示范置业有限公司", "legal_representative": "赵志远",
            "address": "鹰潭市月湖区站江路18号",
            "accounts": [{"bank": "104", "account_no": DEMO_SELLER, "account_name": "鹰潭示范置业有限公司"}],
            "authorization_id": consent("unit", DEMO_DEVELOPER_CREDIT_CODE, "developer_registration")}))
        _ok(http.post(f"/lending/developers/{DEMO_DEVELOPER_CREDIT_CODE}/projects", json={
            "name": "鹰潭示范花园", "location": "鹰潭市月湖区示范花园", "presale_permit": DEMO_PROJECT_PERMIT,
            "planning_permit": "JSGH2026-YT-0031", "land_planning_permit": "YDGH2026-YT-0012",
            "construction_permit": "SGXK2026-YT-0045",
            "authorization_id": consent("project", DEMO_PROJECT_PERMIT, "project_registration")}))


def _demo_licences(licences: Any) -> str:
    """李华's identity card and housing contract filing at the e-licence library, and the authorization she gave
    the center there: what a withdrawal for a purchase fetches instead of asking for scans."""
    person = PEOPLE[0]
    licences.add_licence(person["id_number"], person["name"], "ID_CARD", "鹰潭市公安局月湖分局")
    licences.add_licence(person["id_number"], person["name"], "CONTRACT_FILING", "鹰潭市住房和城乡建设局")
    return str(licences.authorize(person["id_number"], ["ID_CARD", "CONTRACT_FILING"], days=365))


def _demo_loan(identity: IdentitySandbox, gateway_url: str, banks: dict, account_no: str) -> str:
    """李华's housing loan: registered by the credit section, paid to the developer through settlement."""
    person = PEOPLE[0]
    banks["105"].issue_card(DEMO_CARD, person["name"], person["id_number"])
    banks["105"].deposit(DEMO_CARD, "300000.00")
    banks["104"].open_account(DEMO_SELLER, "鹰潭示范置业有限公司")
    token = lambda user: {"Authorization": f"Bearer {identity.token_for(user)}"}  # noqa: E731
    contract = f"JK{datetime.now(SHANGHAI):%Y%m%d}001"
    with httpx.Client(base_url=gateway_url, timeout=30) as http:
        loan = _ok(http.post("/lending/loans", headers=token("approver01"), json={
            "contract_no": contract, "org": "360600",
            "borrower": {"name": person["name"], "id_number": person["id_number"], "account_no": account_no},
            "repayment_card": {"account_no": DEMO_CARD, "name": person["name"], "bank": "105"},
            "payee": {"account_no": DEMO_SELLER, "name": "鹰潭示范置业有限公司", "bank": "104"},
            "principal": "300000.00", "annual_rate": "0.026", "months": 240, "method": "01",
            "house_address": "鹰潭市月湖区示范花园3栋502"}))
        _ok(http.post(f"/lending/loans/{loan['loan_no']}/disbursement", headers=token("finance01")))
    return loan["loan_no"]


def write_tokens(identity: IdentitySandbox, users: list[SandboxUser], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for user in users:
        (directory / f"{user.username}.jwt").write_text(identity.token_for(user.username), encoding="utf-8")


def _ok(response: httpx.Response) -> dict:
    if response.status_code >= 300:
        raise RuntimeError(f"demo data: {response.request.method} {response.request.url} → "
                           f"{response.status_code} {response.text}")
    return response.json()
