import { describe, expect, it } from "vitest";
import { creditCodeOk, ratioOk, residentIdOk, yuanOk } from "./checks";

describe("the forms' checks", () => {
  it("accepts a credit code only with its GB 32100 check character", () => {
    expect(creditCodeOk("91360600MA35AB0012")).toBe(true); // the README's example, checked by python-stdnum
    expect(creditCodeOk("91360600MA35AB0013")).toBe(false);
    expect(creditCodeOk("91360600MA35AB001")).toBe(false);
    expect(creditCodeOk("91360600MA35AB00I2")).toBe(false); // I is not in the code's alphabet
  });
  it("accepts a resident ID only with a real birth date and its GB 11643 check character", () => {
    expect(residentIdOk("11010519491231002X")).toBe(true); // the standard's own example
    expect(residentIdOk("11010519491231002x")).toBe(true);
    expect(residentIdOk("110105194912310021")).toBe(false);
    expect(residentIdOk("110105194902300020")).toBe(false); // 30 February
  });
  it("takes amounts to the fen and ratios within the policy", () => {
    expect(yuanOk("5000.50")).toBe(true);
    expect(yuanOk("5000.505")).toBe(false);
    expect(yuanOk("0")).toBe(false);
    expect(ratioOk("0.12")).toBe(true);
    expect(ratioOk("0.13")).toBe(false);
    expect(ratioOk("0.04")).toBe(false);
  });
});
