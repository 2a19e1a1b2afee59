import { assembleText } from "../../core/assemble-text.js";
import { commonPrefixLength, continuationStart } from "../../core/continuation-boundary.js";
import { planWindows } from "../../core/window-plan.js";
import { ResponseShapeError, UsageError } from "../../errors.js";
import { normalizeDecodedTokens } from "../../providers/decoded-token-text.js";
import { VLLM_DIALECT } from "../../providers/vllm-completions.js";
import { ContinuationResult } from "./continuation-result.js";
import type { ScoringEndpoint } from "./scoring-endpoint.js";
import { type ContinuationOptions, resolveTopK, resolveWindow } from "./scoring-options.js";
import { tokenizeText } from "./tokenize-text.js";
import { type ScoredRow, scoreWindows, unscored } from "./window-scorer.js";

const encoder = new TextEncoder();

/**
 * The log-likelihood of `continuation` after `context` (lm-eval's `loglikelihood`), exact at the
 * boundary. The pair is tokenized together, as the model reads it, and the continuation is every
 * token holding at least one of its bytes: a token that spans the boundary ("… the ma" + "t" →
 * `" mat"`) belongs to the continuation and is scored after the context tokens before it — never
 * split, never dropped (tokenizing the context alone, as lm-eval does, would give `" ma"` and an
 * empty continuation). Token bytes come from `/tokenize`'s raw byte-level pieces; where those are
 * not byte-level, the tokens the context shares with its own tokenization are context, refined by
 * the scored tokens' text when it spells context + continuation. Without `/tokenize`, one request
 * with the text, split by the tokens' text. Contexts longer than the window are cut on the left.
 *
 * @example
 * const r = await scoreContinuation(endpoint, "The cat sat on the ma", "t", { topK: 5 });
 * r.rows[r.continuationStart].token // " mat"
 */
export async function scoreContinuation(
  endpoint: ScoringEndpoint,
  context: string,
  continuation: string,
  options: ContinuationOptions = {},
): Promise<ContinuationResult> {
  if (typeof context !== "string") throw new UsageError("scoreContinuation needs the context as a string.");
  if (typeof continuation !== "string" || continuation.length === 0) {
    throw new UsageError("scoreContinuation needs a non-empty continuation string.");
  }
  if (/[\uD800-\uDBFF]$/.test(context)) {
    throw new UsageError("the context ends in the middle of a character (a lone UTF-16 high surrogate).");
  }
  const topK = resolveTopK(options.topK, 1);
  const { signal } = options;
  if (options.maxContext !== undefined || options.stride !== undefined || options.mode !== undefined) {
    resolveWindow(options, undefined);
  }
  const text = context + continuation;
  const info = (start: number) => ({ context, continuation, continuationStart: start });
  const joint = await tokenizeText(endpoint, text, signal);
  if (!joint) {
    const single = await endpoint.promptLogprobs(text, { topK, signal });
    if (single.text !== text) {
      throw new ResponseShapeError(
        "cannot place the context/continuation boundary: the server's token texts do not spell the text, and it has no /tokenize",
        { dialect: single.dialect, path: "" },
      );
    }
    const start = firstPastContext(single.rows, context.length);
    if (start >= single.rows.length) {
      throw new ResponseShapeError("the scored text has no token past the context", {
        dialect: single.dialect,
        path: "",
      });
    }
    const rows: ScoredRow[] = single.rows.map((row, i) => ({
      ...(i < start ? unscored(row) : row),
      contextTokens: row.position,
    }));
    return new ContinuationResult(rows, single, info(start));
  }
  let first: number;
  if (joint.spans) {
    first = continuationStart(joint.spans.bytes, encoder.encode(context).length)?.index ?? joint.ids.length;
  } else {
    const alone = await tokenizeText(endpoint, context, signal);
    first = alone ? commonPrefixLength(alone.ids, joint.ids) : 1;
  }
  if (first >= joint.ids.length) {
    throw new ResponseShapeError("the tokenization of context + continuation has no token past the context", {
      dialect: "vllm-tokenize",
      path: "tokens",
    });
  }
  if (first === 0) {
    throw new UsageError(
      "the continuation's first token has nothing before it (this tokenizer adds no <|begin_of_text|>): give a non-empty context",
    );
  }
  const { window, stride, fullLastWindow } = resolveWindow(options, joint.maxModelLen);
  const windows = planWindows(joint.ids.length, { window, stride, fullLastWindow, firstScored: first });
  const scored = await scoreWindows(endpoint, { ids: joint.ids, windows, topK, spans: joint.spans, signal });
  let rows = scored.rows;
  let start = first - scored.offset;
  if (!joint.spans && scored.offset === 0) {
    // The bytes were unknown: where the scored tokens spell the text, their offsets place the boundary.
    rows = normalizeDecodedTokens(rows, text) as ScoredRow[];
    const assembled = assembleText(rows);
    if (assembled.text === text) {
      const exact = firstPastContext(assembled.rows, context.length);
      if (exact > start && exact < rows.length) {
        rows = rows.map((row, i) => (i < exact ? unscored(row) : row));
        start = exact;
      }
    }
  }
  return new ContinuationResult(
    rows,
    { dialect: VLLM_DIALECT, model: scored.model ?? endpoint.model, method: scored.method },
    info(start),
  );
}

/** The first non-special row whose text reaches past the context's `contextLength` UTF-16 units. */
function firstPastContext(
  rows: readonly { special: boolean; charEnd: number }[],
  contextLength: number,
): number {
  const index = rows.findIndex((row) => !row.special && row.charEnd > contextLength);
  return index < 0 ? rows.length : index;
}
