// 动账通知: what moved the depositor's money, newest first — each line of the account (汇缴, 提取, 结息, 冲正…), a
// withdrawal the bank could not pay, each movement of the depositor's loans (发放, 扣款, 提前还款). Built from the
// platform's own records each time it is asked, so a notice never says what the ledger does not.
import type { components as LedgerSchemas } from "@/api/ledger";
import type { components as LendingSchemas } from "@/api/lending";
import { ledger, lending, unwrap } from "./api";
import { shanghaiToday, yuan } from "./format";
import { myAccount } from "./my-account";

type Entry = LedgerSchemas["schemas"]["EntryView"];
type Withdrawal = LedgerSchemas["schemas"]["WithdrawalView"];
type LoanDetail = LendingSchemas["schemas"]["DetailView"];

export interface Notice {
  key: string;
  on: string;
  title: string;
  text: string;
  kind: "in" | "out" | "warn";
  link?: string;
}

const RECENT = 30;
const WINDOW_DAYS = 180; // the statement reads oldest first: the notices ask for the last half year only

/** The notices of records already fetched (pure, so the component tests can read it line by line). */
export function noticesOf(entries: Entry[], withdrawals: Withdrawal[],
  loans: { loanNo: string; details: LoanDetail[] }[]): Notice[] {
  // the statement comes oldest first; reversed, a stable sort by day keeps a day's lines newest first
  const notices: Notice[] = [...entries].reverse().map((e) => {
    const amount = Number(e.amount);
    return {
      key: `E-${e.entry_id}-${e.amount}`, on: e.business_date, kind: amount < 0 ? "out" : "in",
      title: `${e.description || "账户变动"}${e.month && !e.description.includes(e.month) ? `（${e.month}）` : ""}`,
      text: `公积金账户${amount < 0 ? "支出" : "收入"} ${yuan(String(e.amount).replace(/^-/, ""))} 元，` +
        `余额 ${yuan(String(e.balance_after))} 元`,
    };
  });
  for (const w of withdrawals.filter((x) => x.status === "03")) {
    notices.push({ key: `W-${w.withdrawal_id}`, on: w.settled_at?.slice(0, 10) ?? w.requested_on, kind: "warn",
      title: "提取支付失败", text: `提取 ${yuan(String(w.amount))} 元未能付至尾号${w.payee_card.slice(-4)}的银行卡：` +
        `${w.failure_reason || "银行退回"}`, link: `/withdrawals/${w.withdrawal_id}` });
  }
  for (const { loanNo, details } of loans) {
    for (const d of details) {
      const paidOut = d.type === "01";
      notices.push({ key: `L-${d.detail_id}`, on: d.on, kind: paidOut ? "in" : "out", link: `/loans/${loanNo}`,
        title: `贷款${d.type_label}`, text: paidOut ? `贷款 ${yuan(d.amount)} 元已发放至收款账户` :
          `归还本金 ${yuan(d.principal)} 元、利息 ${yuan(d.interest)} 元，贷款余额 ${yuan(d.balance_after)} 元` });
    }
  }
  return notices.sort((a, b) => b.on.localeCompare(a.on)).slice(0, RECENT);
}

/** Fetch the records and build the notices; a depositor without a loan or an account still gets the rest. */
export async function loadNotices(): Promise<Notice[]> {
  const account = await myAccount().catch(() => null);
  const path = account ? { params: { path: { account_no: account.account_no } } } : null;
  const [entries, withdrawals, loans] = await Promise.all([
    path ? ledger.GET("/accounts/{account_no}/entries", {
      params: { ...path.params, query: { start: daysBefore(shanghaiToday(), WINDOW_DAYS), page_size: 200 } },
    }).then(unwrap).then((s) => s.entries) : [],
    path ? ledger.GET("/accounts/{account_no}/withdrawals", path).then(unwrap).then((w) => w.withdrawals) : [],
    lending.GET("/loans").then(unwrap).then((l) => l.loans).catch(() => []),
  ]);
  const details = await Promise.all(loans.map(async (loan) => ({ loanNo: loan.loan_no, details: unwrap(
    await lending.GET("/loans/{loan_no}/details", { params: { path: { loan_no: loan.loan_no } } })).details })));
  return noticesOf(entries, withdrawals, details);
}

function daysBefore(day: string, days: number): string {
  const at = new Date(`${day}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() - days);
  return at.toISOString().slice(0, 10);
}
