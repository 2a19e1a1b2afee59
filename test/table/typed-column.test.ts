import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { BooleanColumn, NullableColumn } from "../../src/table/typed-column.js";

describe("NullableColumn and BooleanColumn in arquero", () => {
  const table = () =>
    aq.table({
      logprob: new NullableColumn(Float64Array.of(-0.5, Number.NaN, -2)),
      actual: new BooleanColumn(Uint8Array.of(1, 0, 0)),
    });

  it("read as null and booleans through objects, array, get and iteration", () => {
    const t = table();
    expect(t.objects()).toEqual([
      { logprob: -0.5, actual: true },
      { logprob: null, actual: false },
      { logprob: -2, actual: false },
    ]);
    expect(t.array("logprob")).toEqual([-0.5, null, -2]);
    expect(t.get("actual", 0)).toBe(true);
    expect([...new NullableColumn([1, Number.NaN])]).toEqual([1, null]);
  });

  it("work with verbs and survive an Arrow round trip", () => {
    const t = table();
    expect(t.filter((d: { logprob: number | null }) => d.logprob !== null && d.logprob < -1).numRows()).toBe(
      1,
    );
    expect(t.orderby(aq.desc("logprob")).array("logprob")).toEqual([-0.5, -2, null]);
    expect(aq.fromArrow(t.toArrowIPC()).objects()).toEqual(t.objects());
  });
});
