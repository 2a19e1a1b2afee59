import { describe, expect, it } from "vitest";
import { atTemperature } from "../../src/core/temperature.js";
import { UsageError } from "../../src/errors.js";
import { temperature } from "../../src/plot/temperature.js";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";
import { LogprobResult } from "../../src/result.js";
import { fixture } from "../fixtures/load.js";

function result() {
  const seq = parseVllmCompletion(fixture("vllm/seed-prompt-logprobs.json"), { includeGenerated: false });
  return new LogprobResult(seq.rows, { dialect: seq.dialect, method: seq.method });
}

/** Numbers rounded so the snapshot is stable across platforms. */
function rounded(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v)),
  );
}

type Trace = { name: string; x: number[]; y: number[]; text: string[]; marker: any };
type Slider = { active: number; steps: { label: string; method: string; args: [any, any, number[]] }[] };

describe("plot.temperature", () => {
  it("shows the top-k at T = 1 with a hatched remainder bar and a slider over T", () => {
    const r = result();
    const spec = temperature(r, 4);
    const [certain, range] = spec.data as Trace[];
    // Position 4 (" France", rank 3): top-2 " the" -2.0, " New" -3.9, then " France" -4.5 appended.
    expect((spec.layout.xaxis as { ticktext: string[] }).ticktext).toEqual([
      "␣the",
      "␣New",
      "␣France ◀",
      "remainder",
    ]);
    expect(certain?.y.slice(0, 3)).toEqual(
      [Math.exp(-2), Math.exp(-3.9), Math.exp(-4.5)].map((p) => expect.closeTo(p, 5)),
    );
    expect(certain?.y[3]).toBeCloseTo(1 - Math.exp(-2) - Math.exp(-3.9) - Math.exp(-4.5), 5);
    expect(range?.y).toEqual([0, 0, 0, 0]);
    expect(certain?.marker.pattern.shape).toEqual(["", "", "", "/"]);
    const slider = (spec.layout.sliders as Slider[])[0] as Slider;
    expect(slider.steps.map((s) => s.label)).toEqual(["0.25", "0.5", "1", "1.5", "2"]);
    expect(slider.active).toBe(2);
    expect(slider.steps[2]?.args[0].y[0]).toEqual(certain?.y);
    expect(rounded(spec)).toMatchSnapshot();
  });

  it("each slider step restyles both traces to the bounds at that T", () => {
    const r = result();
    const spec = temperature(r, 4, [0.5, 2], { unit: "percent", palette: "colorblind" });
    const slider = (spec.layout.sliders as Slider[])[0] as Slider;
    expect(slider.active).toBe(0);
    const t = atTemperature(r.rows[4] as (typeof r.rows)[number], 2);
    const [certain, range] = (slider.steps[1] as Slider["steps"][number]).args[0].y as [number[], number[]];
    expect(certain[0]).toBeCloseTo((t.alternatives[0]?.pLower as number) * 100, 3);
    expect((certain[0] as number) + (range[0] as number)).toBeCloseTo(
      (t.alternatives[0]?.pUpper as number) * 100,
      3,
    );
    expect(certain[3]).toBeCloseTo(t.remainderLower * 100, 3);
    expect((certain[3] as number) + (range[3] as number)).toBeCloseTo(t.remainderUpper * 100, 3);
    expect(slider.steps[1]?.args[2]).toEqual([0, 1]);
    expect(slider.steps[1]?.args[1]["title.text"]).toContain("T = 2");
    expect((spec.layout.yaxis as { title: { text: string } }).title.text).toBe("probability at T (%)");
    expect((spec.data[0] as Trace).marker.color).toEqual(["#0072B2", "#0072B2", "#E69F00", "#999999"]);
  });

  it("rejects a position without alternatives or out of range", () => {
    const r = result();
    expect(() => temperature(r, 0)).toThrow(UsageError);
    expect(() => temperature(r, 99)).toThrow(UsageError);
    expect(() => temperature(r, 1, [])).toThrow(UsageError);
  });
});
