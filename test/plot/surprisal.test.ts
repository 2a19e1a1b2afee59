import { describe, expect, it } from "vitest";
import { surprisal } from "../../src/plot/surprisal.js";
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

describe("plot.surprisal", () => {
  it("draws one bar per scored position in bits, with tokens as ticks", () => {
    const spec = surprisal(result());
    const trace = spec.data[0] as {
      x: number[];
      y: number[];
      customdata: unknown[][];
      hovertemplate: string;
    };
    expect(trace.x).toEqual([1, 2, 3, 4, 5]);
    // Two decimals, as the hover shows it.
    expect(trace.y[1]).toBe(13.34);
    // Hover: the values once per bar, the labels once in the template.
    expect(trace.customdata[1]).toEqual(["␣capital", -9.25, 0.000096, 240, "␣first 5% · ␣most 4%"]);
    expect(trace.hovertemplate).toContain(
      "logprob %{customdata[1]:.3f} nats · p %{customdata[2]:.2~%} · %{y:.2f} bits",
    );
    expect((spec.layout.xaxis as { ticktext: string[] }).ticktext[0]).toBe("&lt;|begin_of_text|&gt;");
    expect(spec.config).toMatchObject({ showSendToCloud: false });
    expect(rounded(spec)).toMatchSnapshot();
  });

  it("shows nats on request and marks censored ranks with a pattern", () => {
    const r = result();
    const rows = r.rows.map((row, i) =>
      i === 2 ? { ...row, rank: null, rankCensored: true, rankBound: 2 } : row,
    );
    const spec = surprisal({ rows }, { unit: "nats" });
    const trace = spec.data[0] as {
      y: number[];
      marker: { pattern: { shape: string[] } };
      customdata: unknown[][];
    };
    expect(trace.y[1]).toBe(9.25);
    expect(trace.marker.pattern.shape).toEqual(["", "/", "", "", ""]);
    expect(trace.customdata[1]?.[3]).toBe("> 2 (censored)");
    // Without a censored rank, one shape for all bars instead of one per bar.
    expect((surprisal(r).data[0] as typeof trace).marker.pattern.shape).toBe("");
  });
});
