import * as aq from "arquero";
import { CHOICE_METRICS, type ChoiceMetric, choiceMetrics } from "../../core/choice-metrics.js";
import type { TokenLogprob } from "../../core/token-logprob.js";
import { UsageError } from "../../errors.js";
import type { Table } from "../../table/tokens-table.js";
import { boundedMap, valuesOrThrow } from "./bounded-map.js";
import type { ContinuationResult } from "./continuation-result.js";
import { scoreContinuation } from "./score-continuation.js";
import type { ScoringEndpoint } from "./scoring-endpoint.js";
import type { ContinuationOptions } from "./scoring-options.js";

/**
 * One choice of a comparison with lm-evaluation-harness's numbers.
 *
 * @example
 * comparison.choices[0].perChar // acc_norm's score of the first choice
 */
export interface ChoiceScore {
  /** The choice text as given. */
  label: string;
  /** lm-eval `acc`: Σ logprob of the choice's tokens after the context, nats. */
  totalLogprob: number;
  /** totalLogprob ÷ tokenCount. */
  perToken: number;
  /** lm-eval `acc_norm`: totalLogprob ÷ charCount. */
  perChar: number;
  /** lm-eval `acc_bytes`: totalLogprob ÷ byteCount. */
  perByte: number;
  /** lm-eval `acc_mutual_info`: totalLogprob − unconditionalLogprob. */
  mutualInformation: number;
  /** Σ logprob of the choice's tokens' text after `<|begin_of_text|>` alone, nats. */
  unconditionalLogprob: number;
  /** exp(totalLogprob) renormalized over the choices (softmax of the totals). */
  probability: number;
  /** Every token of the choice was the model's top-1 (lm-eval `exact_match` from `is_greedy`). */
  isGreedy: boolean;
  /** Tokens scored for the choice (a token spanning the boundary counts). */
  tokenCount: number;
  /** Characters of the label, counted as Unicode code points (Python's `len`, lm-eval's divisor). */
  charCount: number;
  /** UTF-8 bytes of the label. */
  byteCount: number;
  /** The choice's own token rows (`result.rows` from `result.continuationStart`), all scored. */
  rows: readonly TokenLogprob[];
  /** The scored context + choice. */
  result: ContinuationResult;
  /** The baseline: the choice's tokens' text after `<|begin_of_text|>` alone. */
  unconditional: ContinuationResult;
}

/**
 * What `lab.compareChoices` returns: a plain object a chart builder can take, with `toTable()`.
 *
 * @example
 * const c = await lab.compareChoices("The capital of France is", [" Paris", " London"]);
 * c.choices[c.winners.totalLogprob].label // " Paris"
 */
export interface ChoiceComparison {
  context: string;
  choices: ChoiceScore[];
  /** For each metric, the index of the choice it picks (the first on a tie; -1 if none is a number). */
  winners: Record<ChoiceMetric, number>;
  /**
   * One row per choice: index, label, total_logprob, per_token, per_char, per_byte,
   * mutual_information, unconditional_logprob, probability, is_greedy, token_count, char_count,
   * byte_count, and a `wins` column listing the metrics that pick it.
   */
  toTable(): Table;
}

const encoder = new TextEncoder();
const CONCURRENCY = 8;

/**
 * Scores each choice as a continuation of the context (see `scoreContinuation`) and compares them
 * by lm-eval's multiple-choice metrics. The mutual-information baseline scores, after
 * `<|begin_of_text|>` alone, the text of the tokens the choice was scored with — the choice plus
 * any context characters its first token spans — so both terms are over the same text.
 * Normalizations divide by the label's own characters (code points) and UTF-8 bytes, as lm-eval does.
 *
 * @example
 * const c = await compareChoices(endpoint, "Q: 2+2=? A:", [" 4", " 5"], { topK: 1 });
 */
export async function compareChoices(
  endpoint: ScoringEndpoint,
  context: string,
  choices: readonly string[],
  options: ContinuationOptions = {},
): Promise<ChoiceComparison> {
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new UsageError("compareChoices needs a non-empty array of choices.");
  }
  const bad = choices.findIndex((c) => typeof c !== "string" || c.length === 0);
  if (bad >= 0)
    throw new UsageError(`choice ${bad} must be a non-empty string; got ${JSON.stringify(choices[bad])}`);
  const settled = await boundedMap(
    choices,
    CONCURRENCY,
    async (choice) => {
      const result = await scoreContinuation(endpoint, context, choice, options);
      const unconditional = await scoreContinuation(endpoint, "", result.coveredText, options);
      return { result, unconditional };
    },
    options.signal,
  );
  const scored = valuesOrThrow(settled);
  const measures = scored.map(({ result, unconditional }, i) => ({
    totalLogprob: result.logLikelihood,
    tokenCount: result.rows.length - result.continuationStart,
    charCount: [...choices[i]].length,
    byteCount: encoder.encode(choices[i]).length,
    unconditionalLogprob: unconditional.logLikelihood,
  }));
  const { metrics, winners } = choiceMetrics(measures);
  const scores = scored.map(
    ({ result, unconditional }, i): ChoiceScore => ({
      label: choices[i],
      ...metrics[i],
      unconditionalLogprob: measures[i].unconditionalLogprob,
      isGreedy: result.isGreedy,
      tokenCount: measures[i].tokenCount,
      charCount: measures[i].charCount,
      byteCount: measures[i].byteCount,
      rows: result.rows.slice(result.continuationStart),
      result,
      unconditional,
    }),
  );
  return {
    context,
    choices: scores,
    winners,
    toTable: () => comparisonTable(scores, winners),
  };
}

function comparisonTable(scores: readonly ChoiceScore[], winners: Record<ChoiceMetric, number>): Table {
  return aq.table({
    index: scores.map((_, i) => i),
    label: scores.map((s) => s.label),
    total_logprob: scores.map((s) => s.totalLogprob),
    per_token: scores.map((s) => s.perToken),
    per_char: scores.map((s) => s.perChar),
    per_byte: scores.map((s) => s.perByte),
    mutual_information: scores.map((s) => s.mutualInformation),
    unconditional_logprob: scores.map((s) => s.unconditionalLogprob),
    probability: scores.map((s) => s.probability),
    is_greedy: scores.map((s) => s.isGreedy),
    token_count: scores.map((s) => s.tokenCount),
    char_count: scores.map((s) => s.charCount),
    byte_count: scores.map((s) => s.byteCount),
    wins: scores.map((_, i) => CHOICE_METRICS.filter((m) => winners[m] === i).join(",")),
  });
}
