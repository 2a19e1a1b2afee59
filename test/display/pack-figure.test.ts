import { describe, expect, it } from "vitest";
import { COLUMNS_KEY, packFigure, UNPACK_SCRIPT } from "../../src/display/pack-figure.js";
import type { FigureSpec } from "../../src/plot/figure-spec.js";

const spec = (trace: Record<string, unknown>): FigureSpec => ({ data: [trace], layout: { height: 300 } });

describe("packFigure", () => {
  it("sends evenly spaced integer x as x0/dx, keeping everything else", () => {
    const packed = packFigure(spec({ type: "bar", x: [3, 5, 7, 9], y: [1, 2, 3, 4], name: "a" }));
    expect(packed.data[0]).toEqual({ type: "bar", x0: 3, dx: 2, y: [1, 2, 3, 4], name: "a" });
    expect(packed.layout).toEqual({ height: 300 });
  });

  it("keeps x that is uneven, fractional, not numeric, or too short to gain", () => {
    for (const x of [
      [1, 2, 4],
      [0.5, 1.5, 2.5],
      ["a", "b", "c"],
      [1, 2],
      [2, 2, 2],
      [1, "2", 3],
    ]) {
      expect(packFigure(spec({ x, y: [1, 2, 3] })).data[0]).toEqual({ x, y: [1, 2, 3] });
    }
  });

  it("keeps x that is not a position: horizontal bar lengths, histogram samples, heatmap columns", () => {
    for (const trace of [
      { type: "bar", orientation: "h", x: [1, 2, 3], y: ["a", "b", "c"] },
      { type: "histogram", x: [1, 2, 3, 4] },
      { type: "heatmap", x: [0, 1, 2], z: [[1, 2, 3]] },
    ]) {
      expect(packFigure(spec(trace)).data[0]).toEqual(trace);
    }
    expect(packFigure(spec({ type: "scattergl", x: [0, 1, 2], y: [1, 2, 3] })).data[0]).toEqual({
      type: "scattergl",
      x0: 0,
      dx: 1,
      y: [1, 2, 3],
    });
  });

  it("keeps a trace that already has x0 or dx", () => {
    const trace = { x: [1, 2, 3], x0: 5, y: [1, 2, 3] };
    expect(packFigure(spec(trace)).data[0]).toEqual(trace);
  });

  it("sends customdata rows as columns, and the page script turns them back into the same rows", () => {
    const rows = [
      ["␣a", -1.5, 0.22, 3, "␣b 40%"],
      ["c", -0.1, 0.9, 1, "none reported"],
      ["&lt;d&gt;", -9.25, 0.000096, "> 20 (censored)", "␣e 1%"],
    ];
    const packed = packFigure(spec({ x: [1, 2, 3], y: [1, 2, 3], customdata: rows }));
    expect(packed.data[0]).not.toHaveProperty("customdata");
    expect(packed.data[0]?.[COLUMNS_KEY]).toEqual([
      ["␣a", "c", "&lt;d&gt;"],
      [-1.5, -0.1, -9.25],
      [0.22, 0.9, 0.000096],
      [3, 1, "> 20 (censored)"],
      ["␣b 40%", "none reported", "␣e 1%"],
    ]);
    const f = JSON.parse(JSON.stringify(packed));
    new Function("f", UNPACK_SCRIPT)(f);
    expect(f.data[0].customdata).toEqual(rows);
    expect(f.data[0]).not.toHaveProperty(COLUMNS_KEY);
  });

  it("keeps flat or ragged customdata as it is", () => {
    for (const customdata of [
      [1, 2, 3],
      [[1, 2], [3]],
      [[], []],
    ]) {
      expect(packFigure(spec({ y: [1, 2, 3], customdata })).data[0]).toEqual({ y: [1, 2, 3], customdata });
    }
  });
});
