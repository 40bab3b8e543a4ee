import { describe, expect, it } from "vitest";
import { percentToFraction, shanghaiDate, yuan } from "./format";

describe("yuan", () => {
  it("groups thousands and keeps the fen exactly", () => {
    expect(yuan("39168.00")).toBe("39,168.00");
    expect(yuan("1234567.5")).toBe("1,234,567.50");
    expect(yuan("0.07")).toBe("0.07");
    expect(yuan("-1200")).toBe("-1,200.00");
    expect(yuan("9007199254740993.01")).toBe("9,007,199,254,740,993.01"); // beyond a float's exact range
  });
  it("shows what is not an amount as it is", () => {
    expect(yuan("abc")).toBe("abc");
    expect(yuan(null)).toBe("");
  });
});

describe("shanghaiDate", () => {
  it("reads an instant in Shanghai time and leaves a plain date alone", () => {
    expect(shanghaiDate("2026-11-30T16:30:00Z")).toBe("2026-12-01 00:30:00");
    expect(shanghaiDate("2026-11-30")).toBe("2026-11-30");
  });
});

describe("percentToFraction", () => {
  it("moves the point two places in the string", () => {
    expect(percentToFraction("2.6")).toBe("0.026");
    expect(percentToFraction("3.25")).toBe("0.0325");
    expect(percentToFraction("12")).toBe("0.12");
    expect(percentToFraction("15.5")).toBe("0.155");
    expect(percentToFraction("0.5")).toBe("0.005");
    expect(percentToFraction(" 2.875 ")).toBe("0.02875");
  });
});
