import { describe, expect, it } from "vitest";
import { palette } from "../../src/plot/palette.js";
import { rankCdf, rankHistogram, ranks } from "../../src/plot/ranks.js";
import { parseOpenAIChat } from "../../src/providers/openai-chat.js";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";
import { LogprobResult } from "../../src/result.js";
import { fixture } from "../fixtures/load.js";
import { tokenRow } from "../fixtures/rows.js";

function vllm() {
  const seq = parseVllmCompletion(fixture("vllm/seed-prompt-logprobs.json"), { includeGenerated: false });
  return new LogprobResult(seq.rows, { dialect: seq.dialect, method: seq.method });
}

function openai() {
  const seq = parseOpenAIChat(fixture("openai/chat-logprobs.json"));
  return new LogprobResult(seq.rows, { dialect: seq.dialect, method: seq.method });
}

type Bar = {
  x: (string | number)[];
  y: number[];
  text: string[];
  width?: number[];
  xaxis?: string;
  marker: { color: string | string[]; pattern?: { shape: string | string[] } };
};

function rounded(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v)),
  );
}

describe("plot.ranks (GLTR buckets)", () => {
  it("counts the 1-based ranks per bucket, labels count and fraction, and always shows the censored bucket", () => {
    // vLLM ranks at positions 1..5: 2, 240, 1, 3, 1.
    const spec = ranks(vllm());
    const bar = spec.data[0] as Bar;
    expect(bar.x).toEqual(["1–10", "11–100", "101–1000", ">1000", "> k (censored)"]);
    expect(bar.y).toEqual([4, 0, 1, 0, 0]);
    expect(bar.text).toEqual(["4 · 80.0%", "0 · 0.0%", "1 · 20.0%", "0 · 0.0%", "0 · 0.0%"]);
    expect(bar.marker.color).toEqual([...palette().buckets.slice(0, 5)]);
    expect(bar.marker.pattern?.shape).toEqual(["", "", "", "", "/"]);
    expect((spec.layout.title as { text: string }).text).toContain("5 scored tokens · ranks 1-based");
    expect((spec.layout.yaxis as { title: { text: string } }).title.text).toBe("tokens (count)");
    expect(rounded(spec)).toMatchSnapshot();
  });

  it("puts API-censored ranks in a hatched '> k (censored)' bar and says what it did not count", () => {
    const spec = ranks(openai(), { thresholds: [1, 10], palette: "colorblind" });
    const bar = spec.data[0] as Bar;
    // Ranks 1, 2, 1, 1, then " How" censored at k = 2; " are" has no logprob (sentinel).
    expect(bar.x).toEqual(["1", "2–10", ">10", "> 2 (censored)"]);
    expect(bar.y).toEqual([3, 1, 0, 1]);
    expect(bar.text[3]).toBe("1 · 20.0%");
    expect((bar.marker.pattern!.shape as string[])[3]).toBe("/");
    expect((bar.marker.color as string[])[3]).toBe(palette("colorblind").buckets[4]);
    expect((spec.layout.title as { text: string }).text).toContain("1 with unknown logprob not counted");
  });

  it("shows the unknown bucket, dotted, only when it holds something", () => {
    const rows = [
      tokenRow({ position: 0, logprob: null, rank: null }),
      tokenRow({ position: 1, logprob: -1, rank: 1 }),
      tokenRow({ position: 2, logprob: -3, rank: null }),
    ];
    const bar = ranks({ rows }).data[0] as Bar;
    expect(bar.x[bar.x.length - 1]).toBe("unknown");
    expect(bar.y[bar.y.length - 1]).toBe(1);
    expect((bar.marker.pattern!.shape as string[])[bar.x.length - 1]).toBe(".");
  });
});

describe("plot.rankHistogram", () => {
  it("bins known ranks on a log axis and counts censored ranks in a separate labelled bar", () => {
    const spec = rankHistogram(vllm());
    const [known, censored] = spec.data as Bar[];
    // Bins [1,2), [2,4), [4,8), … : ranks 1,1 | 2,3 | … | 240 in [128,256).
    expect(known.y).toEqual([2, 2, 0, 0, 0, 0, 0, 1]);
    expect(known.x[0]).toBe(1.5);
    expect(known.width?.[0]).toBe(1);
    expect((known.x[7] as number) - (known.width?.[7] as number) / 2).toBe(128);
    expect((known.x[7] as number) + (known.width?.[7] as number) / 2).toBe(256);
    expect((spec.layout.xaxis as { type: string; title: { text: string } }).type).toBe("log");
    expect((spec.layout.xaxis as { title: { text: string } }).title.text).toBe("rank (1-based, log scale)");
    expect(censored.xaxis).toBe("x2");
    expect(censored.y).toEqual([0]);
    expect(rounded(spec)).toMatchSnapshot();
  });

  it("labels the censored bar with the bound k", () => {
    const spec = rankHistogram(openai());
    const censored = spec.data[1] as Bar;
    expect(censored.y).toEqual([2]);
    expect(censored.x[0]).toContain("rank > 2");
    expect(censored.marker.pattern?.shape).toBe("/");
    expect((spec.layout.title as { text: string }).text).toContain("4 ranked · 2 censored (rank > 2)");
  });
});

describe("plot.rankCdf", () => {
  it("draws the empirical CDF of known ranks and the censored mass as a labelled step at k + 1", () => {
    const spec = rankCdf(openai());
    const [exact, upper] = spec.data as {
      x: number[];
      y: number[];
      line: { shape: string; dash?: string };
    }[];
    // 6 tokens with a rank or bound: ranks 1, 2, 1, 1 and two censored at k = 2.
    expect(exact.line.shape).toBe("hv");
    expect(exact.x).toEqual([1, 2, 4]);
    expect(exact.y).toEqual([0.5, 0.666667, 0.666667]);
    expect(upper.x.slice(0, 2)).toEqual([3, 3]);
    expect(upper.y.slice(0, 2)).toEqual([0.666667, 1]);
    expect(upper.line.dash).toBe("dash");
    const annotation = (spec.layout.annotations as { text: string; x: number }[])[0];
    expect(annotation.text).toContain("2 censored (33.3%)");
    expect(annotation.text).toContain("rank > 2");
    expect(annotation.x).toBeCloseTo(Math.log10(3), 6);
    expect((spec.layout.xaxis as { type: string }).type).toBe("log");
    expect(rounded(spec)).toMatchSnapshot();
  });

  it("has no censored step when nothing is censored, and reaches 1 with the known ranks", () => {
    const spec = rankCdf(vllm());
    expect(spec.data).toHaveLength(1);
    const exact = spec.data[0] as { x: number[]; y: number[] };
    expect(exact.x).toEqual([1, 2, 3, 240, 480]);
    expect(exact.y).toEqual([0.4, 0.6, 0.8, 1, 1]);
    expect(spec.layout.annotations).toEqual([]);
  });
});
