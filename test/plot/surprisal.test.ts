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
    const trace = spec.data[0] as { x: number[]; y: number[]; text: string[] };
    expect(trace.x).toEqual([1, 2, 3, 4, 5]);
    expect(trace.y[1]).toBeCloseTo(9.25 / Math.LN2, 3);
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
    const trace = spec.data[0] as { y: number[]; marker: { pattern: { shape: string[] } }; text: string[] };
    expect(trace.y[1]).toBeCloseTo(9.25, 6);
    expect(trace.marker.pattern.shape).toEqual(["", "/", "", "", ""]);
    expect(trace.text[1]).toContain("rank &gt; 2 (censored)".replace("&gt;", ">"));
  });
});
