/**
 * What is measured of one choice before the choices are compared.
 *
 * @example
 * const c: ChoiceMeasure = { totalLogprob: -2.3, tokenCount: 2, charCount: 6, byteCount: 6, unconditionalLogprob: -7.1 };
 */
export interface ChoiceMeasure {
  /** Σ logprob of the choice's tokens given the context, nats (−Infinity when one is unknown). */
  totalLogprob: number;
  tokenCount: number;
  /** Characters (Unicode code points, as Python's `len`) of the choice text. */
  charCount: number;
  /** UTF-8 bytes of the choice text. */
  byteCount: number;
  /** Σ logprob of the same text with no context (after `<|begin_of_text|>` alone), nats. */
  unconditionalLogprob: number;
}

/**
 * The per-choice numbers of a multiple-choice comparison (lm-evaluation-harness's metrics).
 *
 * @example
 * const m: ChoiceMetrics = { totalLogprob: -2, perToken: -1, perChar: -0.4, perByte: -0.4, mutualInformation: 3, probability: 0.8 };
 */
export interface ChoiceMetrics {
  /** lm-eval `acc`: Σ logprob, nats. */
  totalLogprob: number;
  /** Σ logprob ÷ tokens (depends on the tokenizer). */
  perToken: number;
  /** lm-eval `acc_norm`: Σ logprob ÷ characters of the choice. */
  perChar: number;
  /** lm-eval `acc_bytes`: Σ logprob ÷ UTF-8 bytes of the choice. */
  perByte: number;
  /** lm-eval `acc_mutual_info`: Σ logprob(choice | context) − Σ logprob(choice | nothing). */
  mutualInformation: number;
  /** exp(totalLogprob) renormalized over the choices (softmax of the totals). */
  probability: number;
}

/** The metrics `winners` names, each the field of `ChoiceMetrics` that is maximized. */
export type ChoiceMetric = "totalLogprob" | "perToken" | "perChar" | "perByte" | "mutualInformation";

export const CHOICE_METRICS: readonly ChoiceMetric[] = [
  "totalLogprob",
  "perToken",
  "perChar",
  "perByte",
  "mutualInformation",
];

/**
 * Computes every choice's metrics and which choice each metric picks: the index of the largest
 * value (the first on a tie; NaN never wins; -1 when no value is a number). Probabilities are the
 * softmax of the total logprobs, computed stably (shifted by the largest).
 *
 * @example
 * choiceMetrics([
 *   { totalLogprob: -1, tokenCount: 1, charCount: 6, byteCount: 6, unconditionalLogprob: -4 },
 *   { totalLogprob: -2, tokenCount: 2, charCount: 20, byteCount: 20, unconditionalLogprob: -9 },
 * ]).winners // { totalLogprob: 0, perToken: 0, perChar: 1, perByte: 1, mutualInformation: 1 }
 */
export function choiceMetrics(measures: readonly ChoiceMeasure[]): {
  metrics: ChoiceMetrics[];
  winners: Record<ChoiceMetric, number>;
} {
  const top = Math.max(...measures.map((m) => m.totalLogprob).filter((t) => !Number.isNaN(t)));
  const weights = measures.map((m) => (Number.isFinite(top) ? Math.exp(m.totalLogprob - top) : Number.NaN));
  const sum = weights.reduce((s, w) => (Number.isNaN(w) ? s : s + w), 0);
  const metrics = measures.map(
    (m, i): ChoiceMetrics => ({
      totalLogprob: m.totalLogprob,
      perToken: m.totalLogprob / m.tokenCount,
      perChar: m.totalLogprob / m.charCount,
      perByte: m.totalLogprob / m.byteCount,
      mutualInformation: m.totalLogprob - m.unconditionalLogprob,
      probability: sum > 0 ? weights[i] / sum : Number.NaN,
    }),
  );
  const winners = {} as Record<ChoiceMetric, number>;
  for (const metric of CHOICE_METRICS) winners[metric] = argmax(metrics.map((m) => m[metric]));
  return { metrics, winners };
}

function argmax(values: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    if (best === -1 || values[i] > values[best]) best = i;
  }
  return best;
}
