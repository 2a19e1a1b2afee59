import { createRandom } from "../../src/local/random.js";

/* Composed chat bodies shared by the chat parser's tests. */

export const top = (token: string, logprob: number | null, bytes?: number[] | null) =>
  bytes === undefined ? { token, logprob } : { token, logprob, bytes };
export const utf8 = (text: string) => Array.from(new TextEncoder().encode(text));

/** A composed chat body with the given `logprobs` on choice 0 (and vLLM `token_ids` when given). */
export function body(logprobs: unknown, tokenIds?: number[]) {
  return {
    object: "chat.completion",
    model: "gpt-4o-mini",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "" },
        logprobs,
        finish_reason: "stop",
        ...(tokenIds ? { token_ids: tokenIds } : {}),
      },
    ],
  };
}

export const WORDS = [
  " the",
  " a",
  " of",
  "ing",
  " and",
  ".",
  ",",
  " to",
  " is",
  " in",
  "\n",
  " 😊",
  "é",
  " by",
];

/**
 * An OpenAI body shaped like bench/parse.mjs's: the true top-20 most likely first with exact bytes,
 * the sampled token mostly among them and 1 in 30 outside (some of those at -9999), `refusal: null`.
 */
export function benchShapedBody(positions: number, seed: number) {
  return body({ content: benchShapedContent(positions, seed), refusal: null });
}

export function benchShapedContent(positions: number, seed: number) {
  const random = createRandom(seed);
  const content = [];
  for (let p = 0; p < positions; p++) {
    let logprob = -random() * 0.5;
    const tops = [];
    for (let i = 0; i < 20; i++) {
      const token = `${WORDS[i % WORDS.length]}${i >= WORDS.length ? i : ""}`;
      tops.push(top(token, logprob, utf8(token)));
      logprob -= random() < 0.1 ? 0 : random() * 2; // some ties
    }
    const outside = random() < 1 / 30;
    const sampled = outside
      ? top(" zebra", random() < 0.5 ? -9999 : logprob - 1, utf8(" zebra"))
      : (tops[Math.floor(random() * 20)] as ReturnType<typeof top>);
    content.push({ ...sampled, top_logprobs: tops });
  }
  return content;
}
