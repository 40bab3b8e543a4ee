"""电子信息上报 (port ``hpf.datashare.bad_records.CreditPlatform``): the bad-credit records sent to the public credit
platform through an exchange gateway's client, in the platform's names (reports.yaml), its receipts read back. A
receipt the platform adds fields to is read as far as we know it; an item it does not mention stays owed."""

from __future__ import annotations

from typing import Any

from hpf.adapters.partners.exchange_gateway import ExchangeGatewayClient, SubmissionUnanswered
from hpf.datashare.bad_records import Receipt, ReportUnknown
from hpf.datashare.report_specs import ReportSpec


class ExchangeCreditPlatform:
    def __init__(self, client: ExchangeGatewayClient, spec: ReportSpec):
        self._client, self._spec = client, spec

    def report(self, items: list[tuple[str, str, dict[str, Any]]]) -> list[Receipt]:
        spec, r = self._spec, self._spec.receipts
        body = {spec.items: [spec.theirs(item_id, action, ours) for item_id, action, ours in items]}
        try:
            data = self._client.submit(spec.interface, spec.name, body)
        except SubmissionUnanswered as silent:
            raise ReportUnknown(str(silent)) from silent
        rows = (data or {}).get(r["items"]) if isinstance(data, dict) else None
        return [Receipt(str(row.get(r["id"], "")), str(row.get(r["status"], "")) in r["accepted"],
                        str(row.get(r["number"]) or ""), str(row.get(r["message"]) or ""))
                for row in rows or [] if isinstance(row, dict)]
