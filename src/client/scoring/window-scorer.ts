import type { RowWithoutOffsets } from "../../core/assemble-text.js";
import { AlternativeColumnsBuilder, type PositionRow, TokenColumns } from "../../core/token-columns.js";
import type { IdentificationMethod } from "../../core/token-logprob.js";
import type { ScoringWindow } from "../../core/window-plan.js";
import { ResponseShapeError } from "../../errors.js";
import {
  parseVllmCompletion,
  promptLogprobsRequest,
  readCompletionText,
} from "../../providers/vllm-completions.js";
import { boundedMap, valuesOrThrow } from "./bounded-map.js";
import type { TokenBytes } from "./piece-bytes.js";
import type { ScoringEndpoint } from "./scoring-endpoint.js";

/**
 * A canonical row that also says how many tokens of context its logprob was conditioned on: the
 * tokens before it in the request that scored it (`<|begin_of_text|>` included when in that request).
 *
 * @example
 * const row: ScoredRow = { ...row, contextTokens: 511 };
 */
export type ScoredRow = RowWithoutOffsets & { contextTokens: number };

/**
 * Rows of a windowed scoring pass, in order, renumbered from 0 at the first window's first token.
 *
 * @example
 * const { rows, method } = await scoreWindows(endpoint, { ids, windows, topK: 5 });
 */
export interface WindowedRows {
  /** The rows as columns (what `LogprobResult` keeps). */
  columns: TokenColumns;
  /** The same as rows (built on first use). */
  readonly rows: ScoredRow[];
  method: IdentificationMethod;
  model: string | undefined;
  /** Index in `ids` of the first row (tokens before it were never sent: left truncation). */
  offset: number;
}

/** Windows of one text in flight at once. */
const WINDOW_CONCURRENCY = 4;
const display = new TextDecoder("utf-8", { fatal: false });

/**
 * Sends each window as a token-id prompt (`prompt: number[]`, `prompt_logprobs: topK`,
 * `return_token_ids`), so the actual token at every position is known by id, and keeps from each
 * window only the tokens it scores (`[scoreFrom, end)`), each with its context length. The first
 * window's leading tokens `[begin, scoreFrom)` are kept as unscored context rows (no logprob, rank
 * or alternatives). With `spans`, every row's bytes and text come from the tokenizer's exact bytes;
 * tokens that split a UTF-8 character show whole characters, each on the token that completes it.
 *
 * @example
 * const { rows } = await scoreWindows(endpoint, { ids, windows: planWindows(ids.length, { window: 1023, stride: 511 }), topK: 5 });
 */
export async function scoreWindows(
  endpoint: ScoringEndpoint,
  plan: {
    ids: readonly number[];
    windows: readonly ScoringWindow[];
    topK: number;
    spans?: TokenBytes | null;
    signal?: AbortSignal;
  },
): Promise<WindowedRows> {
  const { ids, windows, topK, signal } = plan;
  const send = async (window: ScoringWindow) => {
    // The whole text in one window (every short text) is sent as the ids themselves, uncopied.
    const prompt =
      window.begin === 0 && window.end === ids.length ? ids : ids.slice(window.begin, window.end);
    const request = { ...promptLogprobsRequest("", { model: endpoint.model, topK }), prompt };
    const body = await endpoint.http.postJson("/completions", request, { signal, read: readCompletionText });
    const parsed = parseVllmCompletion(body, { promptTokenIds: prompt, topK, includeGenerated: false });
    const columns = parsed.columns ?? TokenColumns.fromRows(parsed.rows);
    checkWindow(columns.positions, prompt, window);
    return { columns, method: parsed.method, model: parsed.model };
  };
  // One window (every short text) needs no pool; an aborted signal takes the pool's path, which
  // starts nothing and throws the abort.
  const parsed =
    windows.length === 1 && !signal?.aborted
      ? [await send(windows[0])]
      : valuesOrThrow(await boundedMap(windows, WINDOW_CONCURRENCY, send, signal));
  const offset = windows.length > 0 ? windows[0].begin : 0;
  const method = parsed.every((p) => p.method === "return_token_ids") ? "return_token_ids" : "tokenize";
  const model = parsed.find((p) => p.model)?.model;
  const only = windows.length === 1 ? windows[0] : undefined;
  if (only && !alternativesBefore(parsed[0].columns, only.scoreFrom - only.begin)) {
    // One window whose unscored context rows list no alternatives (every short text: its only
    // context row is <|begin_of_text|>, which has none): its columns are the result's, kept in place.
    const got = parsed[0].columns;
    for (let i = only.begin; i < only.end; i++) {
      keep(got.positions[i - only.begin], i, i - offset, i - only.begin, i >= only.scoreFrom, plan.spans);
    }
    return new Windowed(got, method, model, offset);
  }
  const positions: PositionRow[] = [];
  const builder = new AlternativeColumnsBuilder(
    parsed.reduce((n, p) => n + p.columns.alternatives.token.length, 0),
  );
  windows.forEach((window, w) => {
    const from = w === 0 ? window.begin : window.scoreFrom;
    const got = parsed[w].columns;
    const { start } = got.alternatives;
    for (let i = from; i < window.end; i++) {
      const local = i - window.begin;
      const scored = i >= window.scoreFrom;
      positions.push(keep(got.positions[local], i, i - offset, local, scored, plan.spans));
      if (scored) builder.pushRange(got.alternatives, start[local] as number, start[local + 1] as number);
      builder.endPosition();
    }
  });
  return new Windowed(new TokenColumns(positions, builder.finish()), method, model, offset);
}

/** Whether any of the first `count` positions of `columns` lists alternatives. */
function alternativesBefore(columns: TokenColumns, count: number): boolean {
  const { start } = columns.alternatives;
  return count > 0 && (start[Math.min(count, columns.length)] as number) > (start[0] as number);
}

/** `WindowedRows` with the rows built on first use (a class: one getter for all, not one per text). */
class Windowed implements WindowedRows {
  #rows: ScoredRow[] | undefined;

  constructor(
    readonly columns: TokenColumns,
    readonly method: IdentificationMethod,
    readonly model: string | undefined,
    readonly offset: number,
  ) {}

  get rows(): ScoredRow[] {
    this.#rows ??= this.columns.rows() as ScoredRow[];
    return this.#rows;
  }
}

/**
 * A row kept as context only: the token and its text, no logprob, rank or alternatives.
 *
 * @example
 * unscored(row).logprob // null
 */
export function unscored<R extends RowWithoutOffsets>(row: R): R {
  return {
    ...row,
    logprob: null,
    rank: null,
    rankCensored: false,
    rankBound: null,
    topK: 0,
    alternatives: [],
  };
}

/**
 * A window's row made into the row the result keeps, in place (it is this call's own, fresh from
 * the parser, and rows are many: a copy per row showed in profiles): renumbered, its context
 * length, emptied to a context row when it is not scored, and its bytes and text from the
 * tokenizer's exact bytes when there are `spans`.
 */
function keep(
  kept: PositionRow,
  index: number,
  position: number,
  contextTokens: number,
  scored: boolean,
  spans: TokenBytes | null | undefined,
): PositionRow {
  kept.position = position;
  kept.contextTokens = contextTokens;
  if (!scored) {
    kept.logprob = null;
    kept.rank = null;
    kept.rankCensored = false;
    kept.rankBound = null;
    kept.topK = 0;
  }
  if (spans?.special[index]) kept.special = true;
  else if (spans) {
    const joined = spans.joined?.[index] ?? null;
    const bytes = spans.bytes[index]!;
    // A token that splits a character shows the characters it completes, and its bytes are left
    // out: the text is assembled from bytes, and a partial character's span would otherwise be
    // given to every token holding one of its bytes (overlapping offsets, characters counted twice).
    kept.bytes = joined === null ? bytes : null;
    kept.token = joined ?? tokenText(bytes, kept.token);
    kept.special = false;
  }
  return kept;
}

/**
 * A token's text from its bytes: the parser's text when it is those bytes in ASCII (most tokens:
 * no new string, and the parser's is shared across results), else ASCII read directly (for a few
 * bytes TextDecoder's per-call cost dominates), anything else decoded.
 */
function tokenText(bytes: Uint8Array, parsed: string): string {
  if (parsed.length === bytes.length) {
    let i = 0;
    while (i < bytes.length && bytes[i]! < 0x80 && parsed.charCodeAt(i) === bytes[i]) i++;
    if (i === bytes.length) return parsed;
  }
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80) return display.decode(bytes);
    text += String.fromCharCode(byte);
  }
  return text;
}

/** The server must have scored exactly the ids sent, one row per id. */
function checkWindow(rows: readonly PositionRow[], prompt: readonly number[], window: ScoringWindow): void {
  const where = `tokens ${window.begin}..${window.end - 1}`;
  if (rows.length !== prompt.length) {
    throw new ResponseShapeError(
      `the server returned prompt logprobs for ${rows.length} positions of a ${prompt.length}-token prompt (${where}); does it accept token-id prompts?`,
      { dialect: "vllm-completions", path: "choices.0.prompt_logprobs" },
    );
  }
  const bad = rows.findIndex((row, i) => row.tokenId !== prompt[i]);
  if (bad >= 0) {
    throw new ResponseShapeError(
      `the server scored token ${rows[bad].tokenId} where ${prompt[bad]} was sent (${where}, position ${bad})`,
      { dialect: "vllm-completions", path: `choices.0.prompt_token_ids.${bad}` },
    );
  }
}
