"""Bank fronts that do not speak exactly our dialect: the client against a sandbox bank on a foreign profile
(bank-2018: the 2018 bank-side codes, other field and list names, four-digit business types, an RSA-sized HandKey
from a plug-in vendor cipher, 0x00 frame padding, a double-quoted XML declaration, fields we do not know in every
reply) over real TCP; the sandbox's strictness on each point; the cipher registry and its plug-ins."""

from __future__ import annotations

import dataclasses
import sys
from decimal import Decimal

import pytest

from hpf.sandbox.bank import BankSandbox
from hpf.settlement.bdc.ciphers import NoCipherSuite, Sm4Suite, UnknownCipher, cipher_suite
from hpf.settlement.bdc.client import BankLink, BdcClient, BdcUnavailable
from hpf.settlement.bdc.dialect import OURS, BankProfile, load_profile
from hpf.settlement.bdc.message import BdcMessage, from_xml, to_xml, validate_response
from hpf.settlement.bdc.vendor_rsa import RsaSm4EcbSuite, new_center_key_pair

MASTER = bytes.fromhex("0123456789abcdeffedcba9876543210")
CENTER_ACCT = "36001860000052500001"
PAYEE = "6217001234567890123"
FOREIGN = load_profile("bank-2018")
TWELVE = {"TxCode", "TxStatus", "RtnCode", "RtnMessage", "SendNode", "ReceiveNode", "ReceiveDate", "ReceiveTime",
          "ReceiveSeqNo", "BDCDate", "BDCTime", "BDCSeqNo"}


def pay_body(amount: str = "1200.00", bus_type: str = "02") -> dict[str, str]:
    return {"SettleType": "1", "BusType": bus_type, "DeAcctNo": CENTER_ACCT, "DeAcctName": "鹰潭市住房公积金管理中心",
            "DeAcctClass": "2", "CrAcctNo": PAYEE, "CrAcctName": "李华", "CrAcctClass": "1", "CrBankClass": "0",
            "Amt": amount, "RefSeqNo1": "WDR-360600000000001-CTR-0001", "Summary": "部分提取"}


class Wire:
    """The XML of every message the sandbox received, as it came off the session cipher — in the bank's dialect."""

    def __init__(self, sandbox: BankSandbox):
        self.messages: list[bytes] = []
        original = sandbox._check_declaration

        def spy(data: bytes) -> None:
            self.messages.append(data)
            original(data)

        sandbox._check_declaration = spy  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def keys():
    return new_center_key_pair()


@pytest.fixture
def foreign_bank(keys):
    private, public = keys
    sandbox = BankSandbox("313", "上饶银行鹰潭分行", "B31300", b"", FOREIGN, {"public_key": public})
    sandbox.open_account(CENTER_ACCT, "鹰潭市住房公积金管理中心", "100000.00")
    sandbox.open_account(PAYEE, "李华", "0.00")
    host, port = sandbox.start()
    link = BankLink("313", host, port, "C36060", "B31300", b"", "360600000000001", timeout=0.5, profile=FOREIGN,
                    keys={"private_key": private})
    yield sandbox, link
    sandbox.stop()


@pytest.mark.feature("4.1.1")
@pytest.mark.feature("4.1.5")
def test_sign_in_payment_result_query_and_line_numbers_in_a_foreign_dialect(foreign_bank):
    sandbox, link = foreign_bank
    wire = Wire(sandbox)
    client = BdcClient(link)
    paid = client.call("BDC101", pay_body(), serial="PAY0001")
    # Read in our vocabulary: its CapHostSeqNo is our HostSeqNo; what it adds is kept aside, and the payment is
    # booked — not "outcome unknown".
    assert paid.ok and paid.body["HostStatus"] == "1" and paid.body["HostSeqNo"].startswith("313")
    assert {"body.IntHostSeqNo", "body.ChannelSeqNo", "body.BankTraceNo"} <= set(paid.extras)
    assert set(paid.head) == TWELVE
    assert sandbox.balance(PAYEE) == Decimal("1200.00")
    # On the wire it was the bank's: the RSA sign-in, then BDC201, double-quoted declaration
    assert [m.tx_code for m in sandbox.received] == ["BDC001", "BDC101"]
    sent = wire.messages[-1]
    assert sent.startswith(b'<?xml version="1.0" encoding="GBK"?>') and b">BDC201<" in sent
    day = sandbox.received[-1].head["SendDate"]
    result = client.call("BDC110", {"OldTxDate": day, "OldSeqNo": "PAY0001"})
    assert result.body["OldTxStatus"] == "0" and result.body["HostSeqNo"] == paid.body["HostSeqNo"]
    assert b'name="TxDate"' in wire.messages[-1] and b'name="TxSeqNo"' in wire.messages[-1]
    assert b">BDC219<" in wire.messages[-1]
    lines = client.call("BDC112", {"BankNo": "105", "AreaNo": "4270"})
    assert lines.lists["LINE_LIST"] == [{"ChgNo": "105427000019", "BankName": "中国建设银行股份有限公司鹰潭分行",
                                         "AreaNo": "4270"}]
    fuzzy = client.call("BDC200", {"Keyword": "建设银行"}, paging=(1, 10))  # not in its 2018 code
    assert not fuzzy.ok and fuzzy.head["RtnCode"] == "UNSUPPORTED" and fuzzy.tx_code == "BDC200"


def test_a_four_digit_business_type_goes_out_as_the_banks_own(foreign_bank):
    sandbox, link = foreign_bank
    wire = Wire(sandbox)
    answer = BdcClient(link).call("BDC101", pay_body(amount="10.00", bus_type="20"), serial="PAY0002")
    assert answer.body["HostStatus"] == "1"
    assert b'name="BusType">3599<' in wire.messages[-1]  # our 20 (其他) is its 3599 (其他支付)
    assert sandbox.received[-1].body["BusType"] == "20"  # and it read it back as what it means


def test_the_handkey_is_rsa_sized_and_frames_are_padded_with_nul(foreign_bank):
    sandbox, link = foreign_bank
    client = BdcClient(link)
    client.call("SYS600")
    client.call("BDC123", {"AcctNo": CENTER_ACCT})
    import socket

    from hpf.settlement.bdc.transport import encode_frame, read_frame

    with socket.create_connection((link.host, link.port), timeout=2) as raw:  # sign in by hand to see the frame
        message = BdcMessage({"TxCode": "BDC001", "SendNode": "C36060", "ReceiveNode": "B31300",
                              "SendDate": "20261130", "SendTime": "101500", "SendSeqNo": "S1",
                              "TxUnitNo": "360600000000001", "OperNo": "0001"})
        raw.sendall(encode_frame("C36060", False, to_xml(message, "double"), b"\x00"))
        frame = read_frame(raw)
    assert frame.padding == b"\x00" * 9 and not frame.encrypted
    answer = FOREIGN.incoming(from_xml(frame.body))
    validate_response(answer)
    assert len(answer.body["HandKey"]) == 256 and set(answer.head) == TWELVE


@pytest.mark.parametrize("change, code", [
    ({"padding": b" "}, "BAD_FRAME"),
    ({"declaration": "single"}, "BAD_XML"),
    ({"tx_codes": {}}, "UNKNOWN_TX"),  # our BDC123 where it expects BDC209
    ({"fields": {"BDC110": {}}}, "UNKNOWN_FIELD"),  # our OldTxDate where it expects TxDate
])
def test_the_sandbox_refuses_what_its_dialect_does_not_say(foreign_bank, change, code):
    """Each point on its own: a client honouring all but one is refused, with a refusal it can read. Framing and
    declaration are refused at sign-in already — in clear, before there is a session."""
    sandbox, link = foreign_bank
    client = BdcClient(dataclasses.replace(link, profile=dataclasses.replace(FOREIGN, **change)))
    if code in ("BAD_FRAME", "BAD_XML"):
        with pytest.raises(BdcUnavailable, match=f"sign-in refused: {code}"):
            client.call("BDC123", {"AcctNo": CENTER_ACCT})
        return
    if code == "UNKNOWN_FIELD":
        answer = client.call("BDC110", {"OldTxDate": "20261130", "OldSeqNo": "X"})
    else:
        answer = client.call("BDC123", {"AcctNo": CENTER_ACCT})
    assert not answer.ok and answer.head["RtnCode"] == code
    assert answer.tx_code == ("BDC110" if code == "UNKNOWN_FIELD" else "BDC123")  # it names what it refuses


def test_a_refused_sign_in_is_readable_without_a_session(foreign_bank):
    sandbox, link = foreign_bank
    sandbox.inject("refuse", "BDC001")
    with pytest.raises(BdcUnavailable, match="SIGN_IN_REFUSED"):
        BdcClient(link).call("BDC123", {"AcctNo": CENTER_ACCT})


def test_a_session_the_bank_lost_is_signed_in_anew_and_the_message_sent_once(foreign_bank):
    sandbox, link = foreign_bank
    client = BdcClient(link)
    client.call("BDC123", {"AcctNo": CENTER_ACCT})
    sandbox.forget_sessions()  # the front restarted its session table; our connection is still open
    answer = client.call("BDC101", pay_body(), serial="PAY0003")
    assert answer.body["HostStatus"] == "1"
    assert [m.tx_code for m in sandbox.received] == ["BDC001", "BDC123", "BDC001", "BDC101"]
    assert sandbox.balance(PAYEE) == Decimal("1200.00")


def test_a_link_protected_underneath_runs_without_a_cipher():
    clear = BankProfile(name="dedicated-line", cipher="none", hand_key_length=32)  # a 16-byte session id
    sandbox = BankSandbox("105", "中国建设银行鹰潭分行", "B10500", b"", clear)
    sandbox.open_account(CENTER_ACCT, "鹰潭市住房公积金管理中心", "10.00")
    host, port = sandbox.start()
    try:
        link = BankLink("105", host, port, "C36060", "B10500", b"", "360600000000001", timeout=0.5, profile=clear)
        assert BdcClient(link).call("BDC123", {"AcctNo": CENTER_ACCT}).body["Balance"] == "10.00"
        # before sign-in the message is readable, and its refusal names it
        from hpf.settlement.bdc.client import NOT_SIGNED_IN

        raw = BdcClient(link)
        with raw._lock:
            refused = raw._exchange(raw._request("BDC123", {"AcctNo": CENTER_ACCT}, None, None), in_session=False)
        assert (refused.tx_code, refused.head["RtnCode"]) == ("BDC123", NOT_SIGNED_IN)
    finally:
        sandbox.stop()


# -- the cipher registry --------------------------------------------------------------------------------------
def test_ciphers_come_from_the_registry_and_plug_ins_from_the_entry_point_group(tmp_path, monkeypatch):
    assert isinstance(cipher_suite("sm4"), Sm4Suite) and isinstance(cipher_suite("none"), NoCipherSuite)
    assert isinstance(cipher_suite("rsa-sm4-ecb"), RsaSm4EcbSuite)  # registered in pyproject.toml like any plug-in
    with pytest.raises(UnknownCipher):
        cipher_suite("acme-3des")
    # An integrator's package, installed beside the platform: found by its entry point, no change here.
    (tmp_path / "acme_bdc.py").write_text(
        "from hpf.settlement.bdc.ciphers import NoCipherSuite\nclass Acme3Des(NoCipherSuite):\n    pass\n")
    info = tmp_path / "acme_bdc-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-bdc\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[hpf.bdc_ciphers]\nacme-3des = acme_bdc:Acme3Des\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert type(cipher_suite("acme-3des")).__name__ == "Acme3Des"
    sys.modules.pop("acme_bdc", None)


def test_the_vendor_cipher_round_trips_and_refuses_a_wrong_key(keys):
    private, public = keys
    suite = RsaSm4EcbSuite()
    hand_key, bank_side = suite.issue_session({"public_key": public})
    center_side = suite.open_session({"private_key": private}, hand_key)
    assert len(hand_key.hex()) == 256
    assert center_side.decrypt(bank_side.encrypt("单笔付款".encode("gbk"))) == "单笔付款".encode("gbk")
    from hpf.settlement.bdc.transport import CipherError

    other_private, _ = new_center_key_pair()
    with pytest.raises(CipherError):
        suite.open_session({"private_key": other_private}, hand_key)


def test_a_profile_is_configuration_and_ours_is_the_default():
    assert load_profile(None) is OURS and load_profile("ours") == dataclasses.replace(OURS)
    assert load_profile("bank-2018").their_tx("BDC110") == "BDC219"
    with pytest.raises(ValueError):
        BankProfile.from_dict({"frame": {"padding": "2020"}})
    with pytest.raises(ValueError):
        BankProfile.from_dict({"colour": "blue"})
    inline = load_profile({"name": "x", "tx_codes": {"BDC101": "BDC201"}, "fields": {"*": {"Amt": "TxAmt"}}})
    wire = inline.outgoing(BdcMessage({"TxCode": "BDC101"}, {"Amt": "1.00"}))
    assert (wire.tx_code, wire.body) == ("BDC201", {"TxAmt": "1.00"})
    assert inline.incoming(wire) == BdcMessage({"TxCode": "BDC101"}, {"Amt": "1.00"})
