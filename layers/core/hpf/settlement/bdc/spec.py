"""What each BDC message carries: header fields, and per transaction code the request and response body fields.

The official 2018 specification (建金信函〔2018〕47号 revision of the MOHURD settlement interface) is not public.
Field names follow the public center- and bank-side implementations (domain facts §1.4–1.6); where the 2018
changes the requirement names (4.1.1–4.1.7) are not visible in any public code, the shape here is ours and is
listed in docs/interfaces/settlement.md. The official spec replaces this module, not the code around it.

A field is ``F(type, max_len, required)``: type ``an`` free text (GBK, ``max_len`` characters), ``n`` digits,
``amt`` an amount in yuan with two decimals, ``date`` YYYYMMDD, ``time`` HHMMSS, ``code`` one of ``values``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class F:
    type: str
    max_len: int = 0
    required: bool = True
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transaction:
    code: str
    name: str
    request: dict[str, F] = field(default_factory=dict)
    response: dict[str, F] = field(default_factory=dict)
    lists: dict[str, dict[str, F]] = field(default_factory=dict)  # response field-lists: name → record fields
    request_lists: dict[str, dict[str, F]] = field(default_factory=dict)  # a batch's file, as field-lists
    paged: bool = False  # paging fields in the header (4.1.4)
    spare: bool = True  # the six/two spare fields (4.1.3): all but probe, sign-in and sign-out
    encrypted: bool = True  # probe and sign-in travel in clear (frame flag '1')


# -- header (4.1.1, the revised header) -----------------------------------------------------------------------
REQUEST_HEAD = {
    "TxCode": F("an", 7), "SendNode": F("an", 6), "ReceiveNode": F("an", 6), "SendDate": F("date"),
    "SendTime": F("time"), "SendSeqNo": F("an", 32), "TxUnitNo": F("n", 15), "CustNo": F("an", 32, False),
    "OperNo": F("an", 21), "Timeout": F("n", 3, False),  # seconds the sender waits (4.1.2: 30)
}
RESPONSE_HEAD = {
    "TxCode": F("an", 7), "TxStatus": F("code", values=("0", "1")), "RtnCode": F("an", 32),
    "RtnMessage": F("an", 255, False), "SendNode": F("an", 6), "ReceiveNode": F("an", 6), "ReceiveDate": F("date"),
    "ReceiveTime": F("time"), "ReceiveSeqNo": F("an", 32), "BDCDate": F("date", required=False),
    "BDCTime": F("time", required=False), "BDCSeqNo": F("an", 32, False),
}
# 4.1.4: a paged query names where to start and how many; the answer says how many there are in all.
PAGING_REQUEST = {"BeginRec": F("n", 8), "MaxRec": F("n", 4)}
PAGING_RESPONSE = {"TotalRec": F("n", 8), "ReturnRec": F("n", 4)}
REQUEST_SPARES = {f"Spare{i}": F("an", 255, False) for i in range(1, 7)}
RESPONSE_SPARES = {f"Spare{i}": F("an", 255, False) for i in range(1, 3)}

# -- code values -----------------------------------------------------------------------------------------------
SETTLE_TYPES = ("1", "2", "3")  # same bank; cross-bank real-time; cross-bank non-real-time
ACCT_CLASSES = ("1", "2")  # private; corporate
BANK_CLASSES = ("0", "1")  # same bank; other bank
BUS_TYPES = tuple(f"{i:02d}" for i in range(1, 21))
# 4.1.5: 银行主机处理状态. 4 failure and 5 result uncertain are the 2018 additions the requirement names; the
# other values are our reading (docs/interfaces/settlement.md).
HOST_STATUSES = ("1", "2", "3", "4", "5")
OLD_TX_STATUSES = ("0", "1", "2")  # result query: success, failure, processing or unknown
DC_FLAGS = ("D", "C")
ID_TYPES = ("01", "02", "03", "04", "99")  # 证件类型 as in the transfer messages (domain facts §1.6)
# 0 match; 1 name differs; 2 ID differs; 3 no such card; 4 card not usable (frozen, closed, reported lost)
CARD_RESULTS = ("0", "1", "2", "3", "4")  # debit (out of the account), credit (into it)

NAME = 255  # 4.1.7: account names up to 255 characters

_PAY = {
    "SettleType": F("code", values=SETTLE_TYPES), "BusType": F("code", values=BUS_TYPES),
    "DeAcctNo": F("n", 32), "DeAcctName": F("an", NAME), "DeAcctClass": F("code", values=ACCT_CLASSES),
    "CrAcctNo": F("n", 32), "CrAcctName": F("an", NAME), "CrAcctClass": F("code", values=ACCT_CLASSES),
    "CrBankClass": F("code", values=BANK_CLASSES), "CrBankName": F("an", 60, False), "CrChgNo": F("n", 12, False),
    "Amt": F("amt"), "RefAcctNo": F("an", 32, False), "RefSeqNo1": F("an", 64), "RefSeqNo2": F("an", 64, False),
    "Summary": F("an", 60), "Remark": F("an", 255, False),
}
_COLLECT = {
    "SettleType": F("code", values=SETTLE_TYPES), "BusType": F("code", values=BUS_TYPES),
    "DeAcctNo": F("n", 32), "DeAcctName": F("an", NAME), "DeAcctClass": F("code", values=ACCT_CLASSES),
    "DeBankClass": F("code", values=BANK_CLASSES), "DeBankName": F("an", 60, False), "DeChgNo": F("n", 12, False),
    "CrAcctNo": F("n", 32), "CrAcctName": F("an", NAME), "Amt": F("amt"), "CurrNo": F("n", 3),
    "ConAgrNo": F("an", 40), "RefSeqNo1": F("an", 64), "Summary": F("an", 60),
}
_BOOKED = {"HostStatus": F("code", values=HOST_STATUSES), "HostSeqNo": F("an", 32, False)}
_STATEMENT_LINE = {
    "TxDate": F("date"), "TxTime": F("time"), "HostSeqNo": F("an", 32), "DcFlag": F("code", values=DC_FLAGS),
    "Amt": F("amt"), "Balance": F("amt"), "OppAcctNo": F("an", 32, False), "OppAcctName": F("an", NAME, False),
    "Summary": F("an", 60, False), "RefSeqNo": F("an", 64, False),
}
# A batch (BDC103 批量付款, BDC104 批量收款, BDC105 贷款扣款) carries its file as a field-list, one record a line; the
# answer only says "accepted". The result comes later: BDC107 says whether the batch is done, BDC108 hands back
# each line's result. 0 done; 1 the whole batch refused; 2 still processing; 3 no such batch (yet) — 3 is ours.
BATCH_STATUSES = ("0", "1", "2", "3")
_BATCH_HEAD = {"BatchNo": F("an", 40), "BusType": F("code", values=BUS_TYPES), "TotalNum": F("n", 6),
               "TotalAmt": F("amt")}
_PAYOUT_LINE = {
    "SeqNo": F("n", 6), "CrAcctNo": F("n", 32), "CrAcctName": F("an", NAME), "CrBankName": F("an", 60, False),
    "Amt": F("amt"), "RefSeqNo": F("an", 64),
}
_COLLECTION_LINE = {
    "SeqNo": F("n", 6), "DeAcctNo": F("n", 32), "DeAcctName": F("an", NAME), "ConAgrNo": F("an", 40, False),
    "Amt": F("amt"), "RefSeqNo": F("an", 64),
}
_DEDUCTION_LINE = {
    "SeqNo": F("n", 6), "DeAcctNo": F("n", 32), "DeAcctName": F("an", NAME), "LoanAcctNo": F("an", 32),
    "Amt": F("amt"), "RefSeqNo": F("an", 64),
}
_BATCH_RESULT_LINE = {
    "SeqNo": F("n", 6), "RefSeqNo": F("an", 64), "AcctNo": F("n", 32), "Amt": F("amt"),  # the other side's
    "Result": F("code", values=("0", "1")), "HostSeqNo": F("an", 32, False), "Reason": F("an", 120, False),
}
_BATCH_QUERY = {"OldTxDate": F("date"), "OldSeqNo": F("an", 32)}
_LINE_NUMBER = {"ChgNo": F("n", 12), "BankName": F("an", 120), "AreaNo": F("n", 4, False)}

TRANSACTIONS: dict[str, Transaction] = {t.code: t for t in [
    Transaction("SYS600", "接口探测", spare=False, encrypted=False),
    Transaction("BDC001", "系统签到", response={"HandKey": F("an", 1024)}, spare=False, encrypted=False),
    Transaction("BDC002", "系统签退", spare=False),
    Transaction("BDC101", "单笔付款", request=_PAY, response=_BOOKED),
    Transaction("BDC102", "单笔收款", request=_COLLECT, response=_BOOKED),
    Transaction("BDC103", "批量付款", request={**_BATCH_HEAD, "DeAcctNo": F("n", 32), "DeAcctName": F("an", NAME)},
                response={"BatchNo": F("an", 40)}, request_lists={"DETAIL_LIST": _PAYOUT_LINE}),
    Transaction("BDC104", "批量收款", request={**_BATCH_HEAD, "CrAcctNo": F("n", 32), "CrAcctName": F("an", NAME)},
                response={"BatchNo": F("an", 40)}, request_lists={"DETAIL_LIST": _COLLECTION_LINE}),
    Transaction("BDC105", "贷款扣款（批量）", request={**_BATCH_HEAD, "CrAcctNo": F("n", 32), "CrAcctName": F("an", NAME)},
                response={"BatchNo": F("an", 40)}, request_lists={"DETAIL_LIST": _DEDUCTION_LINE}),
    Transaction("BDC107", "批量业务结果查询", request=_BATCH_QUERY,
                response={"BatchStatus": F("code", values=BATCH_STATUSES), "TotalNum": F("n", 6, False),
                          "SuccNum": F("n", 6, False), "SuccAmt": F("amt", required=False),
                          "FailNum": F("n", 6, False), "FailAmt": F("amt", required=False)}),
    Transaction("BDC108", "批量结果下载", request=_BATCH_QUERY, lists={"RESULT_LIST": _BATCH_RESULT_LINE}, paged=True),
    Transaction("BDC110", "交易结果查询", request={"OldTxDate": F("date"), "OldSeqNo": F("an", 32)},
                response={"OldTxStatus": F("code", values=OLD_TX_STATUSES), "OldHostStatus": F(
                    "code", values=HOST_STATUSES, required=False), "HostSeqNo": F("an", 32, False),
                          "Amt": F("amt", required=False)}),
    Transaction("BDC112", "联行号查询", request={"BankNo": F("n", 3), "AreaNo": F("n", 4)},
                lists={"LINE_LIST": _LINE_NUMBER}),
    Transaction("BDC200", "联行号模糊查询", request={"Keyword": F("an", 60), "AreaNo": F("n", 4, False)},
                lists={"LINE_LIST": _LINE_NUMBER}, paged=True),
    Transaction("BDC113", "账户交易明细查询",
                request={"AcctNo": F("n", 32), "BeginDate": F("date"), "EndDate": F("date")},
                response={"AcctNo": F("n", 32)}, lists={"DETAIL_LIST": _STATEMENT_LINE}, paged=True),
    Transaction("BDC123", "活期账户余额实时查询", request={"AcctNo": F("n", 32)},
                response={"AcctNo": F("n", 32), "AcctName": F("an", NAME), "Balance": F("amt"),
                          "AvailBal": F("amt")}),
    # S.4.2 个人银行卡校验 — ours: the requirement's "14接口" is not public (docs/interfaces/settlement.md)
    Transaction("BDC300", "个人银行卡校验",
                request={"CardNo": F("n", 32), "AcctName": F("an", NAME), "IdType": F("code", values=ID_TYPES),
                         "IdNo": F("an", 32)},
                response={"CheckResult": F("code", values=CARD_RESULTS), "AcctClass": F(
                    "code", values=("1", "2", "3"), required=False), "BankName": F("an", 60, False)}),
    Transaction("SBDC100", "账户变动通知", request={"AcctNo": F("n", 32), "NoticeSeqNo": F("an", 32), **_STATEMENT_LINE}),
]}
