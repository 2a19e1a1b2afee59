import type { LanguageModel, PositionQuery } from "./language-model.js";
import { createRandom } from "./random.js";
import { nextTurn } from "./sse-writer.js";

/** `<|end_of_text|>` and `<|eot_id|>`: generation stops after either (the token itself is generated). @example STOP_TOKEN_IDS.has(128009) // true */
export const STOP_TOKEN_IDS: ReadonlySet<number> = new Set([128001, 128009]);

/** Why a sequence ended: a stop token, or the token budget. Dialects rename these (TGI "eos_token"). @example tgiFinishReason("stop") // "eos_token" */
export type FinishReason = "stop" | "length";

/** One generated token with what the model says about its position. @example for (const t of sampleTokens(model, ids, options)) t.query?.rank */
export interface SampledToken {
  id: number;
  /** Index of the token in the whole sequence (prompt included). */
  position: number;
  /** `model.query(context before it, id, topK)`, or null when no logprobs were asked for. */
  query: PositionQuery | null;
  /** Set on the last token of the sequence. */
  finish: FinishReason | null;
}

/** How to draw a sequence. @example const options: SamplingOptions = { maxTokens: 16, temperature: 1, random: createRandom(7), topK: 5 }; */
export interface SamplingOptions {
  maxTokens: number;
  /** 0 = greedy. Reported logprobs never depend on it (they are the raw model's, as vLLM V1 reports). */
  temperature: number;
  random: () => number;
  /** How many alternatives to rank per generated token; null = no query at all. */
  topK: number | null;
  stopIds?: ReadonlySet<number>;
}

/**
 * The generation loop every dialect shares: draws token after token from the model (seeded, tempered),
 * asks the model about each drawn token with `model.query(context.subarray(0, i), id, k)` so reported
 * numbers equal the in-process model, and stops after a stop token or `maxTokens`. Lazy, so a
 * streaming caller can write each token before the next is drawn and stop when the client leaves.
 *
 * @example
 * for (const t of sampleTokens(model, [128000, 791], { maxTokens: 4, temperature: 0, random: createRandom(1), topK: 5 })) console.log(t.id, t.query?.logprob);
 */
export function* sampleTokens(
  model: LanguageModel,
  prompt: readonly number[],
  options: SamplingOptions,
): Generator<SampledToken, void, void> {
  const stopIds = options.stopIds ?? STOP_TOKEN_IDS;
  const context = new Uint32Array(prompt.length + options.maxTokens);
  context.set(prompt);
  for (let t = 0; t < options.maxTokens; t++) {
    const at = prompt.length + t;
    const before = context.subarray(0, at);
    const id = model.sample(before, options.random, options.temperature);
    context[at] = id;
    const query = options.topK === null ? null : model.query(before, id, options.topK);
    const stop = stopIds.has(id);
    yield { id, position: at, query, finish: stop ? "stop" : t === options.maxTokens - 1 ? "length" : null };
    if (stop) return;
  }
}

/**
 * Runs a sequence to its end: the tokens and why it finished ("length" for an empty budget).
 *
 * @example
 * const { tokens, finish } = generateAll(model, ids, options);
 */
export function generateAll(
  model: LanguageModel,
  prompt: readonly number[],
  options: SamplingOptions,
): { tokens: SampledToken[]; finish: FinishReason } {
  const tokens = [...sampleTokens(model, prompt, options)];
  return { tokens, finish: tokens.at(-1)?.finish ?? "length" };
}

/**
 * The request's seed, or a fresh random one when the client gave none.
 *
 * @example
 * requestSeed(undefined) // e.g. 2964211313
 */
export function requestSeed(seed: number | null | undefined): number {
  return seed ?? Math.floor(Math.random() * 2 ** 32);
}

/**
 * The random stream of choice `choice` of prompt `prompt`: one stream per choice, so `n > 1` with a
 * seed gives n different, reproducible samples (the same derivation in every dialect).
 *
 * @example
 * choiceRandom(42, 0)() // createRandom(42)()
 */
export function choiceRandom(seed: number, choice: number, prompt = 0): () => number {
  return createRandom(seed + choice * 0x9e3779b1 + prompt * 0x85ebca6b);
}

/**
 * Drains several generators round-robin (one item from each in turn, as an engine batches the
 * choices of a request), awaiting `emit` for every item and yielding to the event loop in between.
 * Stops early, returning false, as soon as `cancelled()` says the client has gone.
 *
 * @example
 * await interleave(choices.map((c) => sampleTokens(model, ids, c)), (i, token) => sse.event(chunk(i, token)), () => sse.closed);
 */
export async function interleave<T>(
  sources: Iterator<T>[],
  emit: (source: number, item: T) => Promise<void>,
  cancelled: () => boolean,
): Promise<boolean> {
  const active = sources.map((iterator, index) => ({ iterator, index }));
  while (active.length > 0) {
    for (let a = 0; a < active.length; a++) {
      if (cancelled()) return false;
      const { iterator, index } = active[a]!;
      const next = iterator.next();
      if (next.done) {
        active.splice(a--, 1);
        continue;
      }
      await emit(index, next.value);
      await nextTurn();
    }
  }
  return !cancelled();
}
