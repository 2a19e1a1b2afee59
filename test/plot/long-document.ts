import type { Alternative } from "../../src/core/token-logprob.js";
import { createRandom } from "../../src/local/random.js";
import { LogprobResult } from "../../src/result.js";

const WORDS = (
  "the of and to in a is that for it as was with be by on not he this are or his from at which " +
  "but have an had they you were their one all we can her has there been if more when will would " +
  "who so no harbour sailor letter garden teacher morning quietly remembered ordinary capital " +
  "question probability surprising river "
)
  .trim()
  .split(" ");
const PUNCTUATION = [",", ".", ";", ":"];

/**
 * A seeded, English-like document of `count` positions as a vLLM-style prompt scoring: a BOS
 * special token (no conditional), then words with a leading space, some punctuation and line
 * breaks; each position reports the top-`topK` alternatives (most likely first), the actual token
 * ranked 1 about half the time, outside the top-k sometimes — censored (rank > k, OpenAI style)
 * or with its rank appended (vLLM style).
 */
export function longDocument(count: number, options: { topK?: number; seed?: number } = {}): LogprobResult {
  const topK = options.topK ?? 5;
  const random = createRandom(options.seed ?? 11);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const tokenText = (): string => {
    const r = random();
    if (r < 0.1) return pick(PUNCTUATION);
    if (r < 0.12) return "\n";
    return ` ${pick(WORDS)}`;
  };
  const rows = [];
  rows.push({
    position: 0,
    tokenId: 128000,
    token: "<|begin_of_text|>",
    bytes: null,
    logprob: null,
    rank: null,
    rankCensored: false,
    rankBound: null,
    topK: 0,
    alternatives: [],
    isPrompt: true,
    special: true,
  });
  for (let position = 1; position < count; position++) {
    const token = tokenText();
    const u = random();
    // Rank: 1 half the time, 2..topK often, beyond the top-k sometimes.
    const rank =
      u < 0.5 ? 1 : u < 0.85 ? 2 + Math.floor(random() * (topK - 1)) : topK + 1 + Math.floor(random() * 500);
    // Probabilities of the top-k: each takes a share of what the ones before left, sorted.
    let remaining = 1;
    const probs: number[] = [];
    for (let r = 0; r < topK; r++) {
      const p = remaining * (0.2 + random() * 0.6);
      probs.push(p);
      remaining -= p;
    }
    probs.sort((x, y) => y - x);
    const alternatives: Alternative[] = [];
    for (let r = 1; r <= topK; r++) {
      const isActual = r === rank;
      alternatives.push({
        tokenId: isActual ? position * 7 : 90_000 + r,
        token: isActual ? token : tokenText(),
        logprob: Math.log(probs[r - 1] as number),
        rank: r,
      });
    }
    const last = (alternatives[topK - 1] as Alternative).logprob as number;
    const actualLogprob =
      rank <= topK ? (alternatives[rank - 1] as Alternative).logprob : last - 0.5 - random() * 6;
    const censored = rank > topK && random() < 0.5;
    if (rank > topK && !censored) {
      alternatives.push({ tokenId: position * 7, token, logprob: actualLogprob, rank });
    }
    rows.push({
      position,
      tokenId: position * 7,
      token,
      bytes: null,
      logprob: actualLogprob,
      rank: censored ? null : rank,
      rankCensored: censored,
      rankBound: censored ? topK : null,
      topK,
      alternatives,
      isPrompt: true,
      special: false,
    });
  }
  return new LogprobResult(rows, { dialect: "vllm-completions", method: "return_token_ids" });
}
