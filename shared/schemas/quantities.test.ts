import { describe, expect, it } from "vitest";
import { byteQuantityError, cpuQuantityError, parseQuantity, toMebibytes } from "./quantities.ts";

describe("Kubernetes quantity grammar", () => {
  it.each([
    ["1", 1],
    ["500m", 0.5],
    ["1.5", 1.5],
    [".5", 0.5],
    ["2.", 2],
    ["4Gi", 4 * 2 ** 30],
    ["10G", 10e9],
    ["1e3", 1000],
    ["1E-3", 0.001],
    ["+2k", 2000],
  ])("%s = %d", (text, value) => {
    expect(parseQuantity(text)?.value).toBeCloseTo(value);
  });

  it.each(["", "4GB", "1.2.3", "Gi", "4 Gi", "1e", "0x10", "4gi"])("rejects %j", (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });

  it("cpu must be positive and at least 1m", () => {
    expect(cpuQuantityError("250m")).toBeUndefined();
    expect(cpuQuantityError("0")).toContain("greater than 0");
    expect(cpuQuantityError("0.0001")).toContain("at least 1m");
  });

  it("byte sizes need a unit", () => {
    expect(byteQuantityError("512Mi")).toBeUndefined();
    expect(byteQuantityError("512")).toContain("needs a unit");
    expect(byteQuantityError("0Gi")).toContain("greater than 0");
  });

  it("toMebibytes rounds down to whole MiB", () => {
    expect(toMebibytes(2 ** 31)).toBe("2048Mi");
    expect(toMebibytes(1)).toBe("1Mi");
  });
});
