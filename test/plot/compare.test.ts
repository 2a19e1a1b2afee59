import { describe, expect, it } from "vitest";
import type { TokenLogprob } from "../../src/core/token-logprob.js";
import { UsageError } from "../../src/errors.js";
import { compare } from "../../src/plot/compare.js";
import { palette } from "../../src/plot/palette.js";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";
import { LogprobResult } from "../../src/result.js";
import { fixture } from "../fixtures/load.js";
import { tokenRow } from "../fixtures/rows.js";

/** "The capital of France is" with the Llama 3 tokens of the vLLM fixture (after <|begin_of_text|>). */
function vllm() {
  const seq = parseVllmCompletion(fixture("vllm/seed-prompt-logprobs.json"), { includeGenerated: false });
  return new LogprobResult(seq.rows, { dialect: seq.dialect, method: seq.method, model: "llama-8b" });
}

/** A result from [token, logprob] pairs through the real offset assembly (a different tokenizer). */
function tokens(pairs: [string, number | null][], options: { bos?: boolean; model?: string } = {}) {
  const rows: Omit<TokenLogprob, "charStart" | "charEnd">[] = [];
  if (options.bos ?? true)
    rows.push(tokenRow({ position: 0, token: "<s>", special: true, logprob: null, rank: null }));
  for (const [token, logprob] of pairs)
    rows.push(tokenRow({ position: rows.length, token, logprob, rank: 1 }));
  return new LogprobResult(rows, { dialect: "test", method: "generated", model: options.model });
}

const OTHER: [string, number | null][] = [
  ["The", -2.0],
  [" cap", -5.0],
  ["ital", -0.5],
  [" of", -0.3],
  [" France", -4.0],
  [" is", -1.0],
];

type Bar = {
  name: string;
  x: number[];
  y: number[];
  text: string[];
  customdata: (string | number)[][];
  hovertemplate: string;
};

function rounded(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v)),
  );
}

describe("plot.compare", () => {
  it("aligns two tokenizations of one text on words and draws Δ surprisal = b − a per word, in bits", () => {
    const spec = compare(vllm(), tokens(OTHER, { model: "tiny" }));
    const [up, down] = spec.data as Bar[];
    const ticks = (spec.layout.xaxis as { ticktext: string[] }).ticktext;
    expect(ticks).toEqual(["The", "capital", "of", "France", "is"]);
    // b − a in nats: -1.5, -3.75 (" cap"+"ital" vs " capital"), -0.1, -0.5, +0.1.
    expect(down.x).toEqual([0, 1, 2, 3]);
    // Rounded to the two decimals the labels and the hover show.
    expect(down.y).toEqual(
      [-1.5, -3.75, -0.1, -0.5].map((nats) => Math.round((nats / Math.LN2) * 100) / 100),
    );
    expect(up.x).toEqual([4]);
    expect(up.y[0]).toBeCloseTo(0.1 / Math.LN2, 2);
    expect(up.text[0]).toBe("+0.14");
    expect(down.text[1]).toBe("−5.41");
    // The hover's values per word, once; names and units once in the template.
    expect(down.customdata[1]).toEqual(["capital", 13.34, 1, 7.93, 2]);
    expect(down.hovertemplate).toContain("llama-8b: %{customdata[1]:.2f} bits (%{customdata[2]} token(s))");
    expect(down.hovertemplate).toContain("tiny: %{customdata[3]:.2f} bits (%{customdata[4]} token(s))");
    // Names come from the models when they differ; the legend and the sign say who is more surprised.
    expect(up.name).toBe("tiny more surprised (Δ > 0)");
    expect(down.name).toBe("llama-8b more surprised (Δ < 0)");
    expect((spec.layout.yaxis as { title: { text: string } }).title.text).toBe("Δ surprisal, b − a (bits)");
    expect(rounded(spec)).toMatchSnapshot();
  });

  it("uses nats, names and the colour-blind palette on request, and marks unscored words n/a", () => {
    // Without a BOS the first token ("The") has no conditional: the word cannot be compared.
    const b = tokens(
      OTHER.map(([t, lp], i) => [t, i === 0 ? null : lp]),
      { bos: false },
    );
    const spec = compare(vllm(), b, { unit: "nats", names: ["A", "B"], palette: "colorblind" });
    const [up, down, missing] = spec.data as (Bar & { marker: { color: string } })[];
    expect(missing.x).toEqual([0]);
    expect(missing.text).toEqual(["n/a"]);
    expect(down.y[0]).toBeCloseTo(-3.75, 6);
    expect(up.marker.color).toBe(palette("colorblind").secondary);
    expect(down.marker.color).toBe(palette("colorblind").primary);
    expect((spec.layout.title as { text: string }).text).toContain("a = A, b = B");
  });

  it("throws a UsageError saying where the texts differ", () => {
    const b = tokens([
      ["The", -2],
      [" capital", -5],
      [" of", -0.3],
      [" Spain", -4],
      [" is", -1],
    ]);
    let error: unknown;
    try {
      compare(vllm(), b);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).toContain("score different texts");
    expect(message).toContain("differ at character 15");
    expect(message).toContain('"The capital of France is"');
    expect(message).toContain('"The capital of Spain is"');
  });

  it("compares the shared continuation of two prompts with align: 'suffix'", () => {
    const b = tokens([
      ["Answer", -1],
      [":", -1],
      [" The", -2.5],
      [" capital", -8],
      [" of", -0.4],
      [" France", -4.5],
      [" is", -0.2],
    ]);
    expect(() => compare(vllm(), b)).toThrow(UsageError);
    const spec = compare(vllm(), b, { align: "suffix" });
    const ticks = (spec.layout.xaxis as { ticktext: string[] }).ticktext;
    expect(ticks).toEqual(["The", "capital", "of", "France", "is"]);
    const [up, down] = spec.data as Bar[];
    expect(down.x).toEqual([0, 1, 4]);
    expect(down.y).toEqual([-1, -1.25, -0.7].map((nats) => Math.round((nats / Math.LN2) * 100) / 100));
    expect(up.x).toEqual([2, 3]);
    expect(up.y).toEqual([0, 0]);
    expect(() => compare(vllm(), tokens([["Nothing alike.", -1]]), { align: "suffix" })).toThrow(
      /share no common ending/,
    );
  });
});
