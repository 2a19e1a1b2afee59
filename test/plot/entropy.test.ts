import { describe, expect, it } from "vitest";
import { entropyBounds } from "../../src/core/entropy.js";
import { entropy } from "../../src/plot/entropy.js";
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

type Trace = {
  name: string;
  x: number[];
  y: number[];
  base?: number[];
  text?: string[];
  customdata?: unknown[][];
  hovertemplate?: string;
  marker: any;
  visible?: string;
};

describe("plot.entropy", () => {
  it("draws the entropy bound as a lower–upper band and surprisal as markers, in bits", () => {
    const r = result();
    const spec = entropy(r);
    const [band, surprisal, topK] = spec.data as Trace[];
    expect(band?.name).toBe("entropy bound from top-k (lower–upper)");
    expect(band?.x).toEqual([1, 2, 3, 4, 5]);
    const b = entropyBounds(r.rows[2] as (typeof r.rows)[number]);
    expect(band?.base?.[1]).toBeCloseTo(b?.lowerBits as number, 3);
    expect((band?.base?.[1] as number) + (band?.y[1] as number)).toBeCloseTo(b?.upperBits as number, 3);
    // The band's hover values once per bar; the words once in the template.
    expect(band?.customdata?.[1]).toEqual([
      Math.round((b?.lowerBits as number) * 100) / 100,
      Math.round((b?.upperBits as number) * 100) / 100,
      0.909,
      2,
    ]);
    expect(band?.hovertemplate).toContain(
      "unreported mass %{customdata[2]:.3f} (top-%{customdata[3]}, V = 128256)",
    );
    expect(surprisal?.name).toBe("surprisal (bits)");
    expect(surprisal?.y[1]).toBeCloseTo(9.25 / Math.LN2, 3);
    expect(topK?.visible).toBe("legendonly");
    expect((spec.layout.yaxis as { title: { text: string } }).title.text).toBe(
      "surprisal and entropy (bits)",
    );
    expect((spec.layout.xaxis as { ticktext: string[] }).ticktext[0]).toBe("&lt;|begin_of_text|&gt;");
    expect(spec.config).toMatchObject({ showSendToCloud: false });
    expect(rounded(spec)).toMatchSnapshot();
  });

  it("converts to nats, uses the colour-blind palette and marks censored ranks with a non-colour symbol", () => {
    const r = result();
    const rows = r.rows.map((row, i) =>
      i === 3 ? { ...row, rank: null, rankCensored: true, rankBound: 2 } : row,
    );
    const spec = entropy({ rows }, { unit: "nats", palette: "colorblind" });
    const [band, surprisal] = spec.data as Trace[];
    const b = entropyBounds(rows[2] as (typeof rows)[number]);
    expect(band?.base?.[1]).toBeCloseTo((b?.lowerBits as number) * Math.LN2, 3);
    expect(surprisal?.y[1]).toBeCloseTo(9.25, 6);
    expect(surprisal?.marker.symbol).toEqual(["circle", "circle", "x-open", "circle", "circle"]);
    expect(surprisal?.marker.color).toBe("#E69F00");
    expect(band?.marker.color).toBe("#0072B2");
    expect((spec.layout.yaxis as { title: { text: string } }).title.text).toBe(
      "surprisal and entropy (nats)",
    );
  });

  it("escapes token text in labels and hovers", () => {
    const r = result();
    const rows = r.rows.map((row, i) => (i === 2 ? { ...row, token: "<img src=x>" } : row));
    const spec = entropy({ rows });
    const text = JSON.stringify(spec);
    expect(text).not.toContain("<img");
    expect(text).toContain("&lt;img␣src=x&gt;");
  });
});
