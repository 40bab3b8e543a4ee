import { mount } from "@vue/test-utils";
import ElementPlus from "element-plus";
import { describe, expect, it } from "vitest";
import { ApiError } from "./api";
import { useFieldErrors } from "./field-errors";
import PagerBar from "./PagerBar.vue";

describe("PagerBar", () => {
  it("goes back and forth by page index and stops at the ends", async () => {
    const bar = mount(PagerBar, { props: { page: 0, hasNext: true, busy: false }, global: { plugins: [ElementPlus] } });
    const [back, next] = bar.findAll("button");
    expect(bar.text()).toContain("第 1 页");
    expect(back.attributes("disabled")).toBeDefined();
    await next.trigger("click");
    expect(bar.emitted("go")).toEqual([[1]]);
    await bar.setProps({ page: 1, hasNext: false });
    expect(bar.findAll("button")[1].attributes("disabled")).toBeDefined();
    await bar.findAll("button")[0].trigger("click");
    expect(bar.emitted("go")).toEqual([[1], [0]]);
  });
});

describe("useFieldErrors", () => {
  it("puts a refusal beside the field its code names, a schema error beside the field it names, else on the form", () => {
    const { errors, general, show } = useFieldErrors({ INVALID_CREDIT_CODE: "credit_code" });
    show(new ApiError(400, "INVALID_CREDIT_CODE", "统一社会信用代码校验码不正确"));
    expect(errors.credit_code).toBe("统一社会信用代码校验码不正确");
    expect(general.message).toBe("");
    show(new ApiError(400, "VALIDATION_FAILED", "请求参数校验未通过", [{ field: "name", message: "too long" }]));
    expect(errors).toEqual({ name: "请求参数校验未通过：格式不正确" });
    const nested = useFieldErrors({}, ["amount"]);
    nested.show(new ApiError(400, "VALIDATION_FAILED", "请求参数校验未通过", [{ field: "evidence.issued_on" }]));
    expect(nested.general.message).toBe("请求参数校验未通过（evidence.issued_on）");
    show(new ApiError(409, "CONCURRENT_UPDATE", "数据已被他人修改，请刷新后重试"));
    expect(errors).toEqual({});
    expect(general.message).toBe("数据已被他人修改，请刷新后重试");
  });
});

describe("Excel export", () => {
  it("keeps the header, puts amounts as numbers formatted to the fen and leaves empty cells empty", async () => {
    const { sheetOf } = await import("./excel");
    type Row = { day: string; amount: string; note: string | null };
    const sheet = sheetOf<Row>([
      { header: "日期", value: (r) => r.day }, { header: "金额", value: (r) => r.amount, kind: "money" },
      { header: "备注", value: (r) => r.note },
    ], [{ day: "2026-11-30", amount: "-1200.50", note: null }]);
    expect(sheet[0]).toEqual([{ value: "日期", fontWeight: "bold" }, { value: "金额", fontWeight: "bold" },
      { value: "备注", fontWeight: "bold" }]);
    expect(sheet[1]).toEqual([{ value: "2026-11-30", type: String }, { value: -1200.5, type: Number, format: "#,##0.00" },
      null]);
  });
});
