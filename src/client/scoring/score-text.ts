import { planWindows } from "../../core/window-plan.js";
import { UsageError } from "../../errors.js";
import { normalizeDecodedTokens } from "../../providers/decoded-token-text.js";
import { VLLM_DIALECT } from "../../providers/vllm-completions.js";
import { LogprobResult } from "../../result.js";
import type { ScoringEndpoint } from "./scoring-endpoint.js";
import { resolveTopK, resolveWindow, type ScoreOptions } from "./scoring-options.js";
import { tokenizeText } from "./tokenize-text.js";
import { type ScoredRow, scoreWindows } from "./window-scorer.js";

/**
 * The exact log-likelihood of a text: every token after `<|begin_of_text|>` scored given the
 * tokens before it, identified by id. The text is tokenized once (`/tokenize`); a text longer than
 * one window is scored in strided sliding windows sent as token-id prompts (see `planWindows`), and
 * each row's `contextTokens` says how many tokens its logprob was conditioned on. Without
 * `/tokenize` (or on TGI) the text is scored in one request, as `promptLogprobs` does, and must fit
 * the model's context.
 *
 * @example
 * const r = await scoreText(endpoint, "The capital of France is Paris.", { topK: 5 });
 * r.summary.perplexity
 */
export async function scoreText(
  endpoint: ScoringEndpoint,
  text: string,
  options: ScoreOptions = {},
): Promise<LogprobResult> {
  if (typeof text !== "string" || text.length === 0) {
    throw new UsageError("score needs a non-empty string of text to score.");
  }
  const topK = resolveTopK(options.topK);
  const { signal } = options;
  if (options.maxContext !== undefined || options.stride !== undefined || options.mode !== undefined) {
    resolveWindow(options, undefined); // report bad options before sending anything
  }
  const tokens = await tokenizeText(endpoint, text, signal);
  if (!tokens) {
    const single = await endpoint.promptLogprobs(text, { topK, signal });
    const rows: ScoredRow[] = single.rows.map((row) => ({ ...row, contextTokens: row.position }));
    return new LogprobResult(rows, single);
  }
  const { window, stride, fullLastWindow } = resolveWindow(options, tokens.maxModelLen);
  const windows = planWindows(tokens.ids.length, { window, stride, fullLastWindow });
  const scored = await scoreWindows(endpoint, {
    ids: tokens.ids,
    windows,
    topK,
    spans: tokens.spans,
    signal,
  });
  const rows = tokens.spans ? scored.columns : normalizeDecodedTokens(scored.rows, text);
  return new LogprobResult(rows, {
    dialect: VLLM_DIALECT,
    model: scored.model ?? endpoint.model,
    method: scored.method,
  });
}
