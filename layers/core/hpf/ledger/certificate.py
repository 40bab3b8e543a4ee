"""缴存证明: what a depositor's deposit certificate states, derived from the account and its entries.

The consecutive months (连续缴存月数) count back from the latest deposited month while every month before it
is deposited too — by remittance or supplementary deposit alike; a gap ends the run. Loan facts join the
certificate with the lending area; the sealed PDF comes with the e-seal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hpf.ledger.model import AccountEntry, PersonalAccount, Unit, deposited_months


@dataclass(frozen=True)
class DepositCertificate:
    certificate_no: str
    as_of: date
    account: PersonalAccount
    unit: Unit
    monthly_unit_amount: Decimal
    monthly_personal_amount: Decimal
    first_month: str | None
    last_month: str | None
    months_deposited: int
    consecutive_months: int


def _previous(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def consecutive_run(months: set[str]) -> int:
    if not months:
        return 0
    run, current = 0, max(months)
    while current in months:
        run += 1
        current = _previous(current)
    return run


def certificate_for(account: PersonalAccount, unit: Unit, entries: list[AccountEntry], as_of: date,
                    monthly_unit_amount: Decimal, monthly_personal_amount: Decimal) -> DepositCertificate:
    months = deposited_months(entries)
    return DepositCertificate(
        certificate_no=f"JCZM-{account.account_no}-{as_of:%Y%m%d}",  # one per account and day: reissuing repeats it
        as_of=as_of, account=account, unit=unit,
        monthly_unit_amount=monthly_unit_amount, monthly_personal_amount=monthly_personal_amount,
        first_month=min(months) if months else None, last_month=max(months) if months else None,
        months_deposited=len(months), consecutive_months=consecutive_run(months),
    )
