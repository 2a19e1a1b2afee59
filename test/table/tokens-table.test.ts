import { describe, expect, it } from "vitest";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";
import { LogprobResult } from "../../src/result.js";
import { tokensTable } from "../../src/table/tokens-table.js";
import { fixture } from "../fixtures/load.js";

function result() {
  const seq = parseVllmCompletion(fixture("vllm/seed-prompt-logprobs.json"), { includeGenerated: false });
  return new LogprobResult(seq.rows, { dialect: seq.dialect, method: seq.method });
}

describe("tokensTable metric columns", () => {
  const r = result();
  const rows = r.tokens.objects() as Record<string, unknown>[];

  it("keeps every contract column and adds the metric columns", () => {
    expect(r.tokens.columnNames()).toEqual([
      "position",
      "token_id",
      "token",
      "logprob",
      "prob",
      "surprisal_bits",
      "rank",
      "rank_censored",
      "top_k",
      "is_prompt",
      "special",
      "top1_token",
      "top1_logprob",
      "char_start",
      "char_end",
      "gltr_bucket",
      "p_over_top1",
      "margin_bits",
      "entropy_topk_bits",
      "entropy_lower_bits",
      "entropy_upper_bits",
      "missing_mass",
      "cumulative_logprob",
      "surprisal_nats",
      "context_tokens",
    ]);
  });

  it("position 0 is null, not 0, in every metric", () => {
    expect(rows[0]).toMatchObject({
      gltr_bucket: "unknown",
      p_over_top1: null,
      margin_bits: null,
      entropy_lower_bits: null,
      missing_mass: null,
      cumulative_logprob: null,
      surprisal_nats: null,
      context_tokens: null,
    });
  });

  it("matches hand-computed values for ' capital' (rank 240, listed after a top-2 of -3.0 / -3.2)", () => {
    const row = rows[2] as Record<string, number | string>;
    const [p1, p2, p] = [Math.exp(-3), Math.exp(-3.2), Math.exp(-9.25)];
    expect(row.token).toBe(" capital");
    expect(row.gltr_bucket).toBe("101–1000");
    expect(row.p_over_top1).toBeCloseTo(Math.exp(-6.25), 12);
    expect(row.margin_bits).toBeCloseTo(0.2 / Math.LN2, 12);
    expect(row.missing_mass).toBeCloseTo(1 - p1 - p2 - p, 12);
    const q1 = p1 / (p1 + p2);
    expect(row.entropy_topk_bits).toBeCloseTo(-q1 * Math.log2(q1) - (1 - q1) * Math.log2(1 - q1), 12);
    const hKnown = -[p1, p2, p].reduce((h, x) => h + x * Math.log2(x), 0);
    const m = 1 - p1 - p2 - p;
    // The 240th token is not in the top-2: unreported tokens are capped by p2, not by its p.
    const full = Math.floor(m / p2);
    const rest = m - full * p2;
    expect(row.entropy_lower_bits).toBeCloseTo(
      hKnown - full * p2 * Math.log2(p2) - rest * Math.log2(rest),
      9,
    );
    expect(row.entropy_upper_bits).toBeCloseTo(hKnown + m * Math.log2((128_256 - 3) / m), 9);
    expect(row.surprisal_nats).toBe(9.25);
    expect(row.cumulative_logprob).toBeCloseTo(-12.75, 12);
  });

  it("takes GLTR thresholds and the vocabulary size as options", () => {
    const t = tokensTable(r.rows, { gltrThresholds: [1, 2], vocabularySize: 1000 }).objects() as Record<
      string,
      unknown
    >[];
    expect(t.map((row) => row.gltr_bucket)).toEqual(["unknown", "2", ">2", "1", ">2", "1"]);
    expect(t[2]?.entropy_upper_bits).toBeLessThan(rows[2]?.entropy_upper_bits as number);
  });
});

describe("LogprobResult words and summary extras", () => {
  const r = result();
  it("r.words() is a table of word spans", () => {
    expect(r.text).toBe("The capital of France is");
    const words = r.words().objects() as Record<string, unknown>[];
    expect(words.map((w) => w.text)).toContain("capital");
    const capital = words.find((w) => w.text === "capital");
    expect(capital).toMatchObject({ logprob: -9.25, token_count: 1, positions: [2] });
    expect(capital?.surprisal_bits).toBeCloseTo(9.25 / Math.LN2, 12);
  });
  it("r.summary keeps its fields and adds wordCount and wordPerplexity", () => {
    expect(r.summary).toMatchObject({ tokenCount: 5, byteCount: expect.any(Number) });
    expect(r.summary.wordCount).toBe(5);
    expect(r.summary.wordPerplexity).toBeCloseTo(Math.exp(-r.summary.totalLogprob / 5), 12);
  });
});
