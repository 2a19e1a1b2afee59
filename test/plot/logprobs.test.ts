import { describe, expect, it } from "vitest";
import { logprobs } from "../../src/plot/logprobs.js";
import { palette } from "../../src/plot/palette.js";
import { parseOpenAIChat } from "../../src/providers/openai-chat.js";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";
import { LogprobResult } from "../../src/result.js";
import { fixture } from "../fixtures/load.js";
import { tokenRow } from "../fixtures/rows.js";
import { longDocument } from "./long-document.js";

function vllm() {
  const seq = parseVllmCompletion(fixture("vllm/seed-prompt-logprobs.json"), { includeGenerated: false });
  return new LogprobResult(seq.rows, { dialect: seq.dialect, method: seq.method });
}

function openai() {
  const seq = parseOpenAIChat(fixture("openai/chat-logprobs.json"));
  return new LogprobResult(seq.rows, { dialect: seq.dialect, method: seq.method });
}

type Trace = {
  name: string;
  x: number[];
  y: number[];
  text: string[];
  customdata: unknown[][];
  hovertemplate: string;
  mode?: string;
  yaxis?: string;
};

function rounded(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v)),
  );
}

describe("plot.logprobs", () => {
  it("draws the actual token's logprob in nats and the top-1 logprob as a second series", () => {
    const spec = logprobs(vllm());
    const [actual, top1] = spec.data as Trace[];
    expect(actual.x).toEqual([1, 2, 3, 4, 5]);
    expect(actual.y).toEqual([-3.5, -9.25, -0.4, -4.5, -0.9]);
    // Top-1 is the rank-1 alternative at each position: "I", " first", " of", " the", " is".
    expect(top1.x).toEqual([1, 2, 3, 4, 5]);
    expect(top1.y).toEqual([-3.1, -3, -0.4, -2, -0.9]);
    expect(top1.text[0]).toBe("I");
    expect(top1.hovertemplate).toContain("top-1 at position %{x:d}: <b>%{text}</b>");
    expect((spec.layout.yaxis as { title: { text: string } }).title.text).toBe("logprob (nats)");
    expect((spec.layout.xaxis as { ticktext: string[] }).ticktext[2]).toBe("␣capital");
    expect(spec.config).toMatchObject({ showSendToCloud: false });
    // No censored and no unknown positions here: no extra series.
    expect(spec.data).toHaveLength(2);
    expect(rounded(spec)).toMatchSnapshot();
  });

  it("marks censored ranks with their own triangle series and unknown logprobs at the bottom edge", () => {
    const spec = logprobs(openai());
    const [actual, top1, censored, unknown] = spec.data as (Trace & { marker: { symbol: string } })[];
    // " How" (position 4) is outside the top-2; " are" (position 5) has the -9999 sentinel.
    expect(actual.x).toEqual([0, 1, 2, 3, 4]);
    expect(censored.name).toBe("rank > k (censored)");
    expect(censored.x).toEqual([4]);
    expect(censored.y).toEqual([-4.1]);
    expect(censored.marker.symbol).toBe("triangle-down-open");
    expect(censored.customdata[0]).toBe(2);
    expect(censored.hovertemplate).toContain("rank > %{customdata} (censored)");
    expect(unknown.x).toEqual([5]);
    expect(unknown.yaxis).toBe("y2");
    expect(unknown.text[0]).toContain("logprob unknown");
    expect(unknown.text[0]).toContain("rank > 2 (censored)");
    // The top-1 at the censored position is " Can" (-0.52), not the actual token.
    expect(top1.y[top1.x.indexOf(4)]).toBe(-0.52);
    expect(rounded(spec)).toMatchSnapshot();
  });

  it("shows log₂ p in bits on request, with the unit in the axis title, and the colour-blind palette", () => {
    const spec = logprobs(vllm(), { unit: "bits", palette: "colorblind", title: "T", height: 300 });
    const [actual, top1] = spec.data as (Trace & { line: { color: string; dash?: string } })[];
    expect(actual.y[1]).toBeCloseTo(-9.25 / Math.LN2, 3);
    expect((spec.layout.yaxis as { title: { text: string } }).title.text).toBe("log₂ probability (bits)");
    expect(actual.line.color).toBe(palette("colorblind").primary);
    // The second series differs by dash and marker, not only by colour.
    expect(top1.line.dash).toBe("dash");
    expect(spec.layout).toMatchObject({ title: { text: "T" }, height: 300 });
  });

  it("escapes token text in ticks and hover, and drops markers on long texts", () => {
    const rows = [
      tokenRow({ position: 0, token: "<s>", logprob: null, rank: null }),
      tokenRow({
        position: 1,
        token: "<script>",
        logprob: -2,
        rank: 2,
        topK: 2,
        alternatives: [
          { tokenId: null, token: '"&', logprob: -0.5, rank: 1 },
          { tokenId: null, token: "<script>", logprob: -2, rank: 2 },
        ],
      }),
    ];
    const spec = logprobs({ rows });
    const ticks = (spec.layout.xaxis as { ticktext: string[] }).ticktext;
    expect(ticks).toEqual(["&lt;s&gt;", "&lt;script&gt;"]);
    const [actual, top1] = spec.data as Trace[];
    expect(JSON.stringify(actual.customdata)).not.toContain("<script>");
    expect(actual.customdata[0]?.[0]).toBe("&lt;script&gt;");
    expect(top1.text[0]).toContain("&#34;&amp;");
    expect(actual.mode).toBe("lines+markers");
    expect((logprobs(longDocument(400)).data[0] as Trace).mode).toBe("lines");
  });
});
