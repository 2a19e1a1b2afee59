import { describe, expect, it } from "vitest";
import { shortPercent } from "../../src/plot/short-percent.js";

describe("shortPercent", () => {
  it("shows whole percents from 1%, one decimal from 0.1%, and clamps both ends", () => {
    expect([0.999, 0.995, 0.994, 0.4213, 0.01, 0.0099, 0.0042, 0.001, 0.00099, 0].map(shortPercent)).toEqual([
      "99+%",
      "99+%",
      "99%",
      "42%",
      "1%",
      "1.0%",
      "0.4%",
      "0.1%",
      "<0.1%",
      "<0.1%",
    ]);
  });
});
