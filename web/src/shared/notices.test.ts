import { describe, expect, it } from "vitest";
import { noticesOf } from "./notices";

const entry = (id: string, on: string, amount: string, balance: string, description: string, month = "") => ({
  entry_id: id, business_date: on, kind: "01", amount, balance_after: balance, reference: id, month, description,
});

describe("noticesOf", () => {
  it("tells each movement newest first, money out without its sign, a failed payment as a warning", () => {
    const notices = noticesOf(
      [entry("RMT-1", "2026-10-10", "1200.00", "1200.00", "汇缴", "2026-10"),
        entry("RMT-2", "2026-11-02", "1200.00", "2400.00", "2026-11汇缴", "2026-11"),
        entry("WDR-1", "2026-11-02", "-1700.00", "700.00", "部分提取")],
      [{ withdrawal_id: "WDR-2", account_no: "1", reason: "rent", reason_code: "04", closing: false, amount: "300.00",
        closing_interest: "0", status: "03", status_label: "支付失败", payee_name: "李*", payee_card: "6217****1234",
        requested_on: "2026-11-05", channel: "app", bank_serial: "", settled_at: "2026-11-05T10:00:00+08:00",
        failure_reason: "户名不符" }],
      [{ loanNo: "DK001", details: [{ detail_id: "DSB-DK001-1", type: "01", type_label: "发放", on: "2026-11-20",
        amount: "240000.00", principal: "240000.00", interest: "0.00", balance_after: "240000.00", period: 0,
        bank_serial: "" }] }],
    );
    expect(notices.map((n) => [n.on, n.title, n.kind])).toEqual([
      ["2026-11-20", "贷款发放", "in"],
      ["2026-11-05", "提取支付失败", "warn"],
      ["2026-11-02", "部分提取", "out"], // the same day's lines newest first
      ["2026-11-02", "2026-11汇缴", "in"], // the month not said twice
      ["2026-10-10", "汇缴（2026-10）", "in"],
    ]);
    expect(notices[2].text).toBe("公积金账户支出 1,700.00 元，余额 700.00 元");
    expect(notices[1].text).toContain("尾号1234");
    expect(notices[1].link).toBe("/withdrawals/WDR-2");
  });
});
