"""The BDC interface: messages in and out (GBK XML, envelope schema, field specs with the 2018 changes), frames
and the SM4 session cipher, and the client against a bank sandbox over real TCP — including every fault."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest

from hpf.sandbox.bank import BankSandbox
from hpf.settlement.bdc.client import BankLink, BdcClient, BdcOutcomeUnknown, BdcUnavailable
from hpf.settlement.bdc.message import (
    BdcMessage,
    MalformedMessage,
    from_xml,
    to_xml,
    validate_request,
    validate_response,
)
from hpf.settlement.bdc.transport import (
    CipherError,
    Sm4Cipher,
    encode_frame,
    read_frame,
    unwrap_session_key,
    wrap_session_key,
)

MASTER = bytes.fromhex("0123456789abcdeffedcba9876543210")
CENTER_ACCT = "36001860000052500001"  # the office's special account (专户) at the bank
PAYEE = "6217001234567890123"


def head(tx: str = "BDC101", **extra: str) -> dict[str, str]:
    return {"TxCode": tx, "SendNode": "C36060", "ReceiveNode": "B10500", "SendDate": "20261127",
            "SendTime": "101500", "SendSeqNo": "S0001", "TxUnitNo": "360600000000001", "OperNo": "0001", **extra}


def pay_body(amount: str = "1200.00", name: str = "李华", payee: str = PAYEE, **extra: str) -> dict[str, str]:
    return {"SettleType": "1", "BusType": "02", "DeAcctNo": CENTER_ACCT, "DeAcctName": "鹰潭市住房公积金管理中心",
            "DeAcctClass": "2", "CrAcctNo": payee, "CrAcctName": name, "CrAcctClass": "1", "CrBankClass": "0",
            "Amt": amount, "RefSeqNo1": "WDR-360600000000001-CTR-0001", "Summary": "部分提取", **extra}


# -- messages -------------------------------------------------------------------------------------------------
def test_a_message_round_trips_in_gbk_with_an_account_name_of_255_characters():
    name = "鹰" * 255  # 4.1.7
    message = BdcMessage(head(), pay_body(name=name, Spare1="备用一", Spare6="x"))
    data = to_xml(message)
    assert data.startswith(b"<?xml version='1.0' encoding='GBK'?>") and name.encode("gbk") in data
    parsed = from_xml(data)
    assert parsed == message and validate_request(parsed).name == "单笔付款"


@pytest.mark.parametrize("mutate, code", [
    (lambda m: m.body.update(CrAcctName="鹰" * 256), "FIELD_TOO_LONG"),
    (lambda m: m.body.pop("Amt"), "MISSING_FIELD"),
    (lambda m: m.body.update(Amt="12.5"), "BAD_FORMAT"),
    (lambda m: m.body.update(SettleType="9"), "BAD_CODE"),
    (lambda m: m.head.update(SendDate="20260231"), "BAD_FORMAT"),
    (lambda m: m.body.update(Spare7="x"), "UNKNOWN_FIELD"),  # six spare fields, no more (4.1.3)
    (lambda m: m.head.update(TxCode="BDC999"), "UNKNOWN_TX"),
])
def test_invalid_requests_are_refused_with_a_code(mutate, code):
    message = BdcMessage(head(), pay_body())
    mutate(message)
    with pytest.raises(MalformedMessage) as error:
        validate_request(from_xml(to_xml(message)))
    assert error.value.code == code


def test_probe_and_sign_in_carry_no_spare_fields_and_responses_two():
    with pytest.raises(MalformedMessage):
        validate_request(BdcMessage(head("SYS600"), {"Spare1": "x"}))
    ok = {"TxCode": "BDC123", "TxStatus": "0", "RtnCode": "00000000", "SendNode": "B10500", "ReceiveNode": "C36060",
          "ReceiveDate": "20261127", "ReceiveTime": "101501", "ReceiveSeqNo": "R1"}
    body = {"AcctNo": CENTER_ACCT, "AcctName": "x", "Balance": "1.00", "AvailBal": "1.00", "Spare2": "y"}
    validate_response(BdcMessage(ok, body))
    # what a reply adds is set aside, not refused: a third spare is not ours, but the answer is still read
    extended = BdcMessage(ok, {**body, "Spare3": "z"})
    validate_response(extended)
    assert extended.extras == {"body.Spare3": "z"} and "Spare3" not in extended.body
    with pytest.raises(MalformedMessage):  # what we know is still checked strictly
        validate_response(BdcMessage(ok, {**body, "Balance": "1.5"}))


@pytest.mark.parametrize("data, code", [
    (b"\xff\xfe<message/>", "BAD_ENCODING"),
    ("<message><head>".encode("gbk"), "BAD_XML"),
    ("<message><body/></message>".encode("gbk"), "BAD_ENVELOPE"),
    ('<message><head><field>x</field></head><body/></message>'.encode("gbk"), "BAD_ENVELOPE"),
])
def test_malformed_messages_are_refused(data, code):
    with pytest.raises(MalformedMessage) as error:
        from_xml(data)
    assert error.value.code == code


# -- frames and cipher ----------------------------------------------------------------------------------------
def test_frames_and_the_sm4_session_cipher():
    left, right = socket.socketpair()
    with left, right:
        left.sendall(encode_frame("C36060", True, b"abc") + encode_frame("C36060", False, b""))
        first, second = read_frame(right), read_frame(right)
    assert (first.node, first.encrypted, first.body) == ("C36060", True, b"abc")
    assert (second.encrypted, second.body) == (False, b"")
    session = Sm4Cipher(bytes(range(16)))
    secret = "单笔付款".encode("gbk")
    sealed = session.encrypt(secret)
    assert sealed != session.encrypt(secret) and session.decrypt(sealed) == secret  # random IV each time
    # a wrong key never yields the text: mostly its padding is refused; 1 time in ~256 the garbage happens to end
    # in valid padding (CBC has no integrity check — the message parser then refuses it, as a malformed message)
    try:
        wrong = Sm4Cipher(bytes(16)).decrypt(sealed)
    except CipherError:
        wrong = None
    assert wrong != secret
    key = bytes(range(16))
    assert unwrap_session_key(Sm4Cipher(MASTER), wrap_session_key(Sm4Cipher(MASTER), key)) == key


# -- client and bank ------------------------------------------------------------------------------------------
@pytest.fixture
def bank():
    sandbox = BankSandbox("105", "中国建设银行鹰潭分行", "B10500", MASTER)
    sandbox.open_account(CENTER_ACCT, "鹰潭市住房公积金管理中心", "100000.00")
    sandbox.open_account(PAYEE, "李华", "0.00")
    sandbox.open_account("36050186360109000123", "鹰潭某公司", "5000.00")
    host, port = sandbox.start()
    yield sandbox, BankLink("105", host, port, "C36060", "B10500", MASTER, "360600000000001", timeout=0.5)
    sandbox.stop()


@pytest.mark.feature("4.1.1")
@pytest.mark.feature("4.1.3")
@pytest.mark.feature("4.1.7")
def test_probe_sign_in_and_a_payment_booked_once_per_serial(bank):
    """Over TCP to the bank: the revised header, spare fields both ways, a payee name of 255 characters."""
    sandbox, link = bank
    client = BdcClient(link)
    assert client.call("SYS600").ok
    sandbox.accounts[PAYEE].name = "李" * 255
    first = client.call("BDC101", pay_body(name="李" * 255, Spare1="备用", Spare2="二", Spare6="6"), serial="PAY0001")
    assert sandbox.received[-1].body["CrAcctName"] == "李" * 255 and sandbox.received[-1].body["Spare6"] == "6"
    # 4.1.3 both ways: six spares out, two back — read as the reply's own fields, not as a bank's additions
    assert (first.body["Spare1"], first.body["Spare2"], first.extras) == ("备用", "二", {})
    with pytest.raises(MalformedMessage):  # a seventh is never sent
        client.call("BDC101", pay_body(Spare7="x"), serial="PAY0009")
    with pytest.raises(MalformedMessage):  # nor a spare on the probe
        client.call("SYS600", {"Spare1": "x"})
    assert set(sandbox.received[-1].head) >= {"SendSeqNo", "TxUnitNo", "OperNo", "Timeout", "ReceiveNode"}
    assert first.ok and first.body["HostStatus"] == "1"
    again = client.call("BDC101", pay_body(name="李" * 255), serial="PAY0001")  # a resend under the same serial
    assert again.body["HostSeqNo"] == first.body["HostSeqNo"]
    assert (sandbox.balance(CENTER_ACCT), sandbox.balance(PAYEE)) == (Decimal("98800.00"), Decimal("1200.00"))
    assert [m.tx_code for m in sandbox.received] == ["SYS600", "BDC001", "BDC101", "BDC101"]  # signed in once
    balance = client.call("BDC123", {"AcctNo": CENTER_ACCT})
    assert balance.body["Balance"] == "98800.00"
    client.close()
    assert sandbox.received[-1].tx_code == "BDC002"  # signed out before the connection closed


@pytest.mark.feature("4.1.5")
def test_a_payment_the_bank_cannot_make_fails_with_host_status_4(bank):
    sandbox, link = bank
    client = BdcClient(link)
    answer = client.call("BDC101", pay_body(amount="200000.00"), serial="PAY0002")
    assert answer.body["HostStatus"] == "4" and "余额不足" in answer.head["RtnMessage"]
    sandbox.inject("fail")
    assert client.call("BDC101", pay_body(), serial="PAY0003").body["HostStatus"] == "4"
    assert sandbox.balance(CENTER_ACCT) == Decimal("100000.00")
    result = client.call("BDC110", {"OldTxDate": sandbox.received[-1].head["SendDate"], "OldSeqNo": "PAY0003"})
    assert result.body["OldTxStatus"] == "1"


@pytest.mark.feature("4.1.2")
@pytest.mark.parametrize("fault, kwargs, booked", [
    ("delay", {"seconds": 1.0}, True),
    ("drop_after_book", {}, True),
])
def test_an_unanswered_payment_is_unknown_and_the_result_query_tells(bank, fault, kwargs, booked):
    sandbox, link = bank
    client = BdcClient(link)
    sandbox.inject(fault, **kwargs)
    with pytest.raises(BdcOutcomeUnknown):
        client.call("BDC101", pay_body(), serial="PAY0100")
    date = sandbox.received[-1].head["SendDate"]
    result = client.call("BDC110", {"OldTxDate": date, "OldSeqNo": "PAY0100"})  # a new connection, signed in
    assert result.body["OldTxStatus"] == ("0" if booked else "1")
    assert sandbox.balance(PAYEE) == Decimal("1200.00")


def test_a_request_lost_before_booking_stays_unknown_to_the_result_query(bank):
    sandbox, link = bank
    client = BdcClient(link)
    sandbox.inject("drop_before_book")
    with pytest.raises(BdcOutcomeUnknown):
        client.call("BDC101", pay_body(), serial="PAY0200")
    result = client.call("BDC110", {"OldTxDate": sandbox.received[-1].head["SendDate"], "OldSeqNo": "PAY0200"})
    assert result.body["OldTxStatus"] == "2"  # not here (yet): unknown, never "failed" from one query
    assert sandbox.balance(PAYEE) == Decimal("0.00")


@pytest.mark.feature("4.1.5")
@pytest.mark.parametrize("booked, status", [(True, "0"), (False, "1")])
def test_host_status_5_is_settled_by_the_result_query(bank, booked, status):
    sandbox, link = bank
    client = BdcClient(link)
    sandbox.inject("uncertain", booked=booked)
    answer = client.call("BDC101", pay_body(), serial="PAY0300")
    assert answer.body["HostStatus"] == "5"
    result = client.call("BDC110", {"OldTxDate": sandbox.received[-1].head["SendDate"], "OldSeqNo": "PAY0300"})
    assert result.body["OldTxStatus"] == status


def test_a_refused_message_books_nothing(bank):
    sandbox, link = bank
    client = BdcClient(link)
    sandbox.inject("refuse")
    answer = client.call("BDC101", pay_body(), serial="PAY0400")
    assert not answer.ok and answer.head["RtnCode"] == "HOST_BUSY"
    assert sandbox.balance(CENTER_ACCT) == Decimal("100000.00")


@pytest.mark.feature("4.1.4")
@pytest.mark.feature("4.1.6")
def test_a_collection_statement_detail_paged_and_line_numbers(bank):
    sandbox, link = bank
    client = BdcClient(link)
    collect = {"SettleType": "1", "BusType": "01", "DeAcctNo": "36050186360109000123", "DeAcctName": "鹰潭某公司",
               "DeAcctClass": "2", "DeBankClass": "0", "CrAcctNo": CENTER_ACCT, "CrAcctName": "鹰潭市住房公积金管理中心",
               "Amt": "1200.00", "CurrNo": "156", "ConAgrNo": "TS-2026-0001", "RefSeqNo1": "RMT-360600000001-202611",
               "Summary": "2026-11汇缴托收"}
    assert client.call("BDC102", collect, serial="COL0001").body["HostStatus"] == "1"
    client.call("BDC101", pay_body(amount="10.00"), serial="PAY0500")
    day = sandbox.received[-1].head["SendDate"]
    first = client.call("BDC113", {"AcctNo": CENTER_ACCT, "BeginDate": day, "EndDate": day}, paging=(1, 1))
    assert (first.head["TotalRec"], first.head["ReturnRec"]) == ("2", "1")
    assert first.lists["DETAIL_LIST"][0]["DcFlag"] == "C" and first.lists["DETAIL_LIST"][0]["RefSeqNo"].startswith("RMT")
    second = client.call("BDC113", {"AcctNo": CENTER_ACCT, "BeginDate": day, "EndDate": day}, paging=(2, 1))
    assert second.lists["DETAIL_LIST"][0]["Balance"] == "101190.00"
    lines = client.call("BDC112", {"BankNo": "105", "AreaNo": "4270"}).lists["LINE_LIST"]
    assert [r["ChgNo"] for r in lines] == ["105427000019"]
    fuzzy = client.call("BDC200", {"Keyword": "建设银行"}, paging=(1, 10))  # 4.1.6
    assert fuzzy.head["TotalRec"] == "3" and all("建设银行" in r["BankName"] for r in fuzzy.lists["LINE_LIST"])


def test_an_unreachable_bank_is_unavailable_and_a_wrong_master_key_fails_sign_in(bank):
    sandbox, link = bank
    with pytest.raises(BdcUnavailable):
        BdcClient(BankLink("105", "127.0.0.1", 1, "C36060", "B10500", MASTER, "360600000000001",
                           timeout=0.5)).call("BDC123", {"AcctNo": CENTER_ACCT})
    wrong = BankLink("105", link.host, link.port, "C36060", "B10500", bytes(16), "360600000000001", timeout=0.5)
    with pytest.raises(BdcUnavailable):
        BdcClient(wrong).call("BDC123", {"AcctNo": CENTER_ACCT})


def test_a_request_we_would_be_refused_for_is_never_sent(bank):
    sandbox, link = bank
    with pytest.raises(MalformedMessage):
        BdcClient(link).call("BDC101", pay_body(amount="1.5"), serial="PAY0600")
    assert sandbox.received == []


@pytest.mark.feature("4.1.2")
def test_the_transaction_timeout_is_30_seconds_and_travels_in_the_header(bank):
    sandbox, link = bank
    default = BankLink("105", link.host, link.port, "C36060", "B10500", MASTER, "360600000000001")
    assert default.timeout == 30.0
    BdcClient(default).call("SYS600")
    assert sandbox.received[-1].head["Timeout"] == "30"
