import type { RowWithoutOffsets } from "../core/assemble-text.js";
import { nullable } from "../core/number-column.js";
import { type AlternativeColumns, type PositionRow, TokenColumns } from "../core/token-columns.js";
import { type Alternative, cleanLogprob, type IdentificationMethod } from "../core/token-logprob.js";
import { UsageError } from "../errors.js";
import { acceptsCompletionEnvelope } from "./accepts-completion-envelope.js";
import { acceptsPromptLogprobs } from "./accepts-prompt-logprobs.js";
import { needsNormalizing, normalizeDecodedTokens } from "./decoded-token-text.js";
import { columnSequence, type ParsedSequence } from "./parsed-sequence.js";
import {
  entryOf,
  keyText,
  type PromptLogprobEntries,
  promptLogprobEntries,
} from "./prompt-logprob-entries.js";
import { type HotReader, scanBody } from "./scan-body.js";
import { promptLogprobsReader } from "./scan-prompt-logprobs.js";
import { ScannedBody } from "./scanned-body.js";
import { isSpecialTokenText, tokenIdFromPlaceholder } from "./token-text.js";
import { type HotField, validate, validateFast } from "./validate.js";
import {
  type CompletionChoice,
  type CompletionRequest,
  type CompletionResponse,
  completionResponseSchema,
  type LegacyLogprobs,
} from "./vllm-schema.js";

export interface VllmParseOptions {
  /** Which choice of the body (default 0). */
  choice?: number;
  /** The prompt text; helps find the actual tokens when the body carries no ids. */
  prompt?: string;
  /** The prompt's token ids from `/tokenize`, when the server has it. */
  promptTokenIds?: readonly number[];
  /** The `prompt_logprobs` k that was requested, when known. */
  topK?: number;
  /** Keep generated positions (default true). `promptLogprobs` drops the one token it must generate. */
  includeGenerated?: boolean;
}

type PromptLogprobs = NonNullable<CompletionChoice["prompt_logprobs"]>;

export const VLLM_DIALECT = "vllm-completions" as const;

/**
 * `prompt_logprobs`' k checked: an integer 0..20 (vLLM's default `--max-logprobs`), for every body
 * that asks for prompt logprobs (completions or chat).
 *
 * @example
 * checkPromptTopK(5) // ok; checkPromptTopK(21) throws a UsageError
 */
export function checkPromptTopK(topK: number): void {
  if (!Number.isInteger(topK) || topK < 0 || topK > 20) {
    throw new UsageError(`topK must be an integer from 0 to 20 (vLLM's default limit); got ${topK}`);
  }
}

/**
 * Builds the `/v1/completions` body that asks for prompt logprobs: `max_tokens` 1 because the
 * hosted wrapper requires ≥ 1, `return_token_ids` so the actual tokens come back by id.
 *
 * @example
 * promptLogprobsRequest("The capital of France is", { model: "llama-8b", topK: 5 })
 */
export function promptLogprobsRequest(
  prompt: string,
  options: { model: string; topK: number },
): CompletionRequest {
  checkPromptTopK(options.topK);
  return {
    model: options.model,
    prompt,
    max_tokens: 1,
    temperature: 0,
    prompt_logprobs: options.topK,
    return_token_ids: true,
  };
}

/**
 * Parses a vLLM `/v1/completions` body (prompt_logprobs and/or legacy `logprobs` arrays) into the
 * canonical rows of one sequence. The actual prompt token at each position is found by id —
 * `prompt_token_ids`, then `/tokenize` ids, then `echo` tokens given as `token_id:N` — and only as a
 * last resort by matching `decoded_token` text; `method` records which.
 *
 * @example
 * const seq = parseVllmCompletion(body, { prompt: "The capital of France is" });
 * seq.rows[1].token // "The"
 */
export function parseVllmCompletion(body: unknown, options: VllmParseOptions = {}): ParsedSequence {
  if (body instanceof ScannedBody) {
    // The hot fields are out of the envelope already: the small rest is checked by hand, or by zod.
    const { envelope } = body;
    const response = acceptsCompletionEnvelope(envelope)
      ? envelope
      : validate(completionResponseSchema, envelope, VLLM_DIALECT);
    return completionSequence(response, options, body.hot);
  }
  return completionSequence(validateCompletionResponse(body), options);
}

/**
 * Validates a `/v1/completions` body at the boundary. The `prompt_logprobs` dicts (most of a
 * scoring body's bytes) are checked by hand rather than copied by zod; a body that fails throws the
 * same `ResponseShapeError` as `validate(completionResponseSchema, …)`.
 *
 * @example
 * const response = validateCompletionResponse(JSON.parse(text));
 */
export function validateCompletionResponse(body: unknown): CompletionResponse {
  return validateFast(completionResponseSchema, body, VLLM_DIALECT, PROMPT_LOGPROBS_FIELDS);
}

const PROMPT_LOGPROBS_FIELDS: readonly HotField[] = [
  { path: ["choices", "*", "prompt_logprobs"], accepts: acceptsPromptLogprobs },
];

/**
 * The body scanner's reader of `/v1/completions` bodies: `prompt_logprobs` of every choice.
 *
 * @example
 * scanBody(text, PROMPT_LOGPROBS_READERS)?.hot.get("choices.0.prompt_logprobs")
 */
export const PROMPT_LOGPROBS_READERS: readonly HotReader[] = [
  { path: ["choices", "*", "prompt_logprobs"], read: promptLogprobsReader },
];

/**
 * Reads a `/v1/completions` answer's text with the `prompt_logprobs` arrays scanned straight into
 * columns (no object per dict entry), for `parseVllmCompletion`; undefined when the scanner cannot
 * read it exactly as `JSON.parse` would (then parse it as usual, which also reports what is wrong).
 *
 * @example
 * const body = readCompletionText(text) ?? JSON.parse(text);
 * parseVllmCompletion(body, { promptTokenIds })
 */
export function readCompletionText(text: string): ScannedBody | undefined {
  return scanBody(text, PROMPT_LOGPROBS_READERS);
}

/**
 * The rows of one choice of a validated `/v1/completions` body (see `parseVllmCompletion`). `hot`
 * holds `prompt_logprobs` entries the body scanner read (by path, e.g. `choices.0.prompt_logprobs`;
 * the envelope has null there).
 *
 * @example
 * completionSequence(validate(completionResponseSchema, body, "vllm-completions"), { choice: 0 })
 */
export function completionSequence(
  response: CompletionResponse,
  options: VllmParseOptions = {},
  hot?: ReadonlyMap<string, unknown>,
): ParsedSequence {
  const index = options.choice ?? 0;
  const byIndex = response.choices.findIndex((c) => c.index === index);
  const at = byIndex >= 0 ? byIndex : index;
  const choice = response.choices[at];
  if (!choice) {
    throw new UsageError(
      `choice ${index} is not in this response; it has ${response.choices.length} choice(s)`,
    );
  }
  const scanned = hot?.get(`choices.${at}.prompt_logprobs`) as PromptLogprobEntries | undefined;
  const wire = scanned ?? choice.prompt_logprobs;
  const prompt = wire
    ? promptColumns(
        {
          prompt_logprobs: wire,
          prompt_token_ids: choice.prompt_token_ids,
          logprobs: choice.logprobs,
        },
        options,
      )
    : { columns: TokenColumns.fromRows([]), method: "generated" as const };
  const promptLength = prompt.columns.length;
  const generated =
    options.includeGenerated === false
      ? { rows: [], method: "generated" as const }
      : generatedRows(choice, promptLength, response);
  const promptPart = needsNormalizing(prompt.columns.positions, options.prompt)
    ? TokenColumns.fromRows(normalizeDecodedTokens(prompt.columns.rows(), options.prompt))
    : prompt.columns;
  const columns =
    generated.rows.length === 0
      ? promptPart
      : TokenColumns.concat([promptPart, TokenColumns.fromRows(generated.rows)]);
  return columnSequence(columns, {
    method: promptLength > 0 ? prompt.method : generated.method,
    model: response.model,
    dialect: VLLM_DIALECT,
    finishReason: choice.finish_reason ?? null,
  });
}

/**
 * Where prompt rows come from: vLLM's `prompt_logprobs` (per choice on `/v1/completions`, top level
 * on `/v1/chat/completions`), the prompt's ids when the server returned them, and the legacy
 * `logprobs` arrays of an `echo` request when there are any.
 *
 * @example
 * const source: PromptSource = { prompt_logprobs: body.prompt_logprobs, prompt_token_ids: body.prompt_token_ids };
 */
export interface PromptSource {
  /** The dicts as parsed, or their entries as columns (what the body scanner reads). */
  prompt_logprobs: PromptLogprobs | PromptLogprobEntries;
  prompt_token_ids?: number[] | null;
  logprobs?: LegacyLogprobs | null;
}

/**
 * Rows for vLLM `prompt_logprobs` (positions 0..n-1, `isPrompt` true), the actual token at each
 * position identified by id — `prompt_token_ids`, then `options.promptTokenIds` (`/tokenize`), then
 * echoed `token_id:N` tokens — and only as a last resort by decoded text; `method` records which.
 *
 * @example
 * const { rows, method } = promptRows({ prompt_logprobs: body.prompt_logprobs, prompt_token_ids: body.prompt_token_ids });
 */
export function promptRows(
  source: PromptSource,
  options: Pick<VllmParseOptions, "prompt" | "promptTokenIds" | "topK"> = {},
): { rows: RowWithoutOffsets[]; method: IdentificationMethod } {
  const { columns, method } = promptColumns(source, options);
  return { rows: columns.rows(), method };
}

/**
 * `promptRows` as `TokenColumns`: the same positions, the alternatives as columns (no object per
 * dict entry; a long prompt has 21 per position).
 *
 * @example
 * promptColumns({ prompt_logprobs: body.prompt_logprobs, prompt_token_ids: body.prompt_token_ids }).columns.length
 */
export function promptColumns(
  source: PromptSource,
  options: Pick<VllmParseOptions, "prompt" | "promptTokenIds" | "topK"> = {},
): { columns: TokenColumns; method: IdentificationMethod } {
  const wire = source.prompt_logprobs;
  const entries = Array.isArray(wire) ? promptLogprobEntries(wire) : wire;
  const { ids, method } = actualTokenIds(source, options, entries);
  const n = entries.length;
  const { present, start, rank } = entries;
  const alternatives = alternativesOf(entries);
  // k as the server applied it, from the dicts' sizes and the actual tokens' ranks.
  const actual: number[] = new Array(n);
  const bounds: TopKBounds = { lo: 0, hi: Infinity };
  let fewest = Infinity;
  for (let position = 0; position < n; position++) {
    const id = ids[position] ?? null;
    const at = id === null ? -1 : entryOf(entries, position, id);
    actual[position] = at;
    if (present[position] === 1) {
      const count = (start[position + 1] as number) - (start[position] as number);
      narrowTopK(bounds, count, at < 0 ? null : nullable(rank[at]));
      if (count < fewest) fewest = count;
    }
  }
  const k = options.topK ?? inferredTopK(bounds, fewest);
  const positions: PositionRow[] = new Array(n);
  for (let position = 0; position < n; position++) {
    const id = ids[position] ?? null;
    const at = actual[position] as number;
    if (present[position] === 0) {
      positions[position] = firstRow(position, id, entries, source.logprobs);
      continue;
    }
    const listed = (start[position + 1] as number) - (start[position] as number);
    positions[position] = promptRow(position, id, entries, at, listed, k);
  }
  return { columns: new TokenColumns(positions, alternatives), method };
}

/** A scored prompt position; `at` is the actual token's entry (-1 when its dict does not list it). */
function promptRow(
  position: number,
  id: number | null,
  entries: PromptLogprobEntries,
  at: number,
  listed: number,
  k: number,
): PositionRow {
  const logprob = at < 0 ? null : nullable(entries.logprob[at]);
  const reportedRank = logprob === null ? null : nullable(entries.rank[at]);
  // The actual token is appended beyond the top-k when it is not among them.
  const extra = at >= 0 && (reportedRank === null || reportedRank > k) && listed > k;
  // With k = 0 (or an empty dict read as k = 0), "rank > 0" says nothing: unknown, not censored.
  const censored = logprob !== null && reportedRank === null && extra && k > 0;
  const token = (at < 0 ? null : entries.decoded[at]) ?? (id === null ? "" : `token_id:${id}`);
  return {
    position,
    tokenId: id,
    token,
    bytes: null,
    charStart: 0,
    charEnd: 0,
    logprob,
    rank: reportedRank,
    rankCensored: censored,
    rankBound: censored ? k : null,
    topK: extra ? listed - 1 : listed,
    isPrompt: true,
    special: isSpecialTokenText(token),
  };
}

/** Position 0 has no conditional: a row with a null logprob, its text from echo or other positions. */
function firstRow(
  position: number,
  id: number | null,
  entries: PromptLogprobEntries,
  legacy: LegacyLogprobs | null | undefined,
): PositionRow {
  let token = legacy && legacy.tokens.length > position ? legacy.tokens[position] : undefined;
  if (token !== undefined && tokenIdFromPlaceholder(token) !== null) token = undefined;
  if (token === undefined && id !== null) {
    // The first dict (in position order) that lists the id with a decoded text.
    const { lookup, decoded } = entries;
    for (let at = 0; at < lookup.length; at++) {
      if (lookup[at] === id && decoded[at] != null) {
        token = decoded[at] as string;
        break;
      }
    }
  }
  token ??= id === 128000 ? "<|begin_of_text|>" : id === null ? "" : `token_id:${id}`;
  return {
    position,
    tokenId: id,
    token,
    bytes: null,
    charStart: 0,
    charEnd: 0,
    logprob: null,
    rank: null,
    rankCensored: false,
    rankBound: null,
    topK: 0,
    isPrompt: true,
    special: isSpecialTokenText(token) || id === 128000,
  };
}

/**
 * Every dict's entries as alternatives: the entries' own columns (they stand in alternatives
 * order), with a `token_id:<key>` placeholder for a missing `decoded_token`.
 */
function alternativesOf(entries: PromptLogprobEntries): AlternativeColumns {
  const { decoded } = entries;
  let token = decoded as string[];
  for (let at = 0; at < decoded.length; at++) {
    if (decoded[at] != null) continue;
    if (token === decoded) token = decoded.slice() as string[];
    token[at] = `token_id:${keyText(entries, at)}`;
  }
  return { start: entries.start, tokenId: entries.id, token, logprob: entries.logprob, rank: entries.rank };
}

/**
 * k as the server applied it. A dict of n entries holds the top-n when the actual token ranks
 * within them (rank < n ⇒ k = n) and the top-(n-1) plus the appended actual otherwise (rank > n ⇒
 * k = n - 1); rank = n or no rank fits either. k is the same at every position, so intersect.
 */
function narrowTopK(bounds: TopKBounds, n: number, rank: number | null): void {
  bounds.lo = Math.max(bounds.lo, rank !== null && rank < n ? n : n - 1);
  bounds.hi = Math.min(bounds.hi, rank !== null && rank > n ? n - 1 : n);
}

function inferredTopK(bounds: TopKBounds, fewest: number): number {
  if (bounds.hi >= bounds.lo && Number.isFinite(bounds.hi)) return bounds.hi;
  return Number.isFinite(fewest) ? fewest : 0;
}

function actualTokenIds(
  choice: PromptSource,
  options: Pick<VllmParseOptions, "prompt" | "promptTokenIds" | "topK">,
  entries: PromptLogprobEntries,
): { ids: readonly (number | null)[]; method: IdentificationMethod } {
  const n = entries.length;
  if (choice.prompt_token_ids && choice.prompt_token_ids.length === n) {
    return { ids: choice.prompt_token_ids, method: "return_token_ids" };
  }
  if (options.promptTokenIds && options.promptTokenIds.length === n) {
    return { ids: options.promptTokenIds, method: "tokenize" };
  }
  const echoed = choice.logprobs?.tokens.slice(0, n).map(tokenIdFromPlaceholder);
  if (echoed && echoed.length === n && echoed.every((id) => id !== null)) {
    return { ids: echoed, method: "echo" };
  }
  if (options.prompt === undefined && !choice.logprobs) {
    // Without ids or text nothing says which dict entry was the actual token (JSON order is lost).
    throw new UsageError(
      "this prompt_logprobs body has no prompt_token_ids: pass { prompt } (the prompt text) or { promptTokenIds } (from /tokenize) so the actual token at each position can be found.",
    );
  }
  return {
    ids: idsFromDecodedText(entries, options.prompt, choice.logprobs?.tokens, options.topK),
    method: "decoded_token",
  };
}

/**
 * Last resort: walk the prompt text and, at each position, take the dict entry whose decoded text
 * continues it (the longest such; the most likely of equally long ones), or — when k is known — the entry appended beyond the top-k.
 * A position neither identifies stays unknown (null), never a guess.
 */
function idsFromDecodedText(
  entries: PromptLogprobEntries,
  prompt: string | undefined,
  echoTokens: string[] | undefined,
  topK: number | undefined,
): (number | null)[] {
  const { present, start, decoded, rank } = entries;
  const sizes: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    if (present[i] === 1) sizes.push((start[i + 1] as number) - (start[i] as number));
  }
  // k is known when given, or when positions differ in size (k entries vs k + 1 with the actual appended).
  const k = topK ?? (Math.min(...sizes) < Math.max(...sizes) ? Math.min(...sizes) : undefined);
  let cursor = 0;
  const ids: (number | null)[] = new Array(entries.length);
  for (let position = 0; position < entries.length; position++) {
    ids[position] = null;
    if (present[position] === 0) continue;
    const from = start[position] as number;
    const to = start[position + 1] as number;
    const expected = echoTokens?.[position];
    let best = -1;
    for (let at = from; at < to; at++) {
      const text = decoded[at] ?? "";
      const fits = expected !== undefined ? text === expected : prompt?.startsWith(text, cursor);
      if (fits && text.length > 0 && (best < 0 || text.length > (decoded[best] ?? "").length)) best = at;
    }
    if (best < 0 && k !== undefined && to - from === k + 1) {
      let beyond = -1;
      let count = 0;
      for (let at = from; at < to; at++) {
        const r = rank[at] as number;
        if (!Number.isNaN(r) && r > k) {
          beyond = at;
          count++;
        }
      }
      if (count === 1) best = beyond;
    }
    if (best < 0) continue;
    cursor += (decoded[best] ?? "").length;
    ids[position] = nullable(entries.id[best]);
  }
  return ids;
}

/**
 * Rows from the legacy `logprobs` arrays: generated positions, and echoed prompt positions when
 * no `prompt_logprobs` gave them already.
 */
function generatedRows(
  choice: CompletionChoice,
  promptLength: number,
  response: { usage?: { prompt_tokens: number } | null; choices: unknown[] },
): { rows: RowWithoutOffsets[]; method: IdentificationMethod } {
  const legacy = choice.logprobs;
  if (!legacy) return { rows: [], method: "generated" };
  const echoed = echoedCount(choice, promptLength, response);
  const from = promptLength > 0 ? echoed : 0;
  const rows = legacyRows(legacy, {
    echoed,
    from,
    firstPosition: promptLength,
    promptTokenIds: choice.prompt_token_ids,
    tokenIds: choice.token_ids,
  });
  const method = from < echoed ? echoMethod(legacy, echoed, choice.prompt_token_ids) : "generated";
  return { rows, method };
}

/**
 * How many leading legacy entries are the echoed prompt: known from `token_ids` (the generated ids),
 * from `prompt_logprobs`, from `prompt_token_ids` when the first entry is a prompt position (no
 * logprob), or, for a single choice, from `usage.prompt_tokens`.
 */
function echoedCount(
  choice: CompletionChoice,
  promptLength: number,
  response: { usage?: { prompt_tokens: number } | null; choices: unknown[] },
): number {
  const legacy = choice.logprobs!;
  if (choice.token_ids) return Math.max(0, legacy.tokens.length - choice.token_ids.length);
  if (promptLength > 0) return promptLength;
  const promptIds = choice.prompt_token_ids;
  if (promptIds && legacy.tokens.length >= promptIds.length && legacy.token_logprobs[0] === null) {
    return promptIds.length;
  }
  if (response.usage && response.choices.length === 1) {
    return legacy.tokens.length > response.usage.prompt_tokens ? response.usage.prompt_tokens : 0;
  }
  return 0;
}

/**
 * The identification method of echoed prompt rows: by the server's ids when it returned them, else
 * by the echoed tokens themselves (text, or `token_id:N`).
 *
 * @example
 * echoMethod(legacy, 3, [128000, 9906, 1917]) // "return_token_ids"
 */
export function echoMethod(
  legacy: LegacyLogprobs,
  echoed: number,
  promptTokenIds: readonly number[] | null | undefined,
): IdentificationMethod {
  if (promptTokenIds && promptTokenIds.length === echoed) return "return_token_ids";
  return legacy.tokens.length >= echoed ? "echo" : "generated";
}

/**
 * Options of `legacyRows`.
 *
 * @example
 * legacyRows(legacy, { echoed: 3, from: 3, firstPosition: 3, tokenIds: choice.token_ids } satisfies LegacyRowsOptions)
 */
export interface LegacyRowsOptions {
  /** How many leading entries are the echoed prompt (rows with `isPrompt` true). */
  echoed: number;
  /** The first entry to turn into a row (default 0) and one past the last (default: all). */
  from?: number;
  to?: number;
  /** The position of the row for entry `from`. */
  firstPosition: number;
  /** Ids of the echoed prompt entries, when the server returned them. */
  promptTokenIds?: readonly number[] | null;
  /** Ids of the generated entries (`token_ids` with `return_token_ids`). */
  tokenIds?: readonly number[] | null;
  /**
   * The `logprobs` k the maps were built with, when known; by default inferred from all the
   * entries (`legacyTopK`).
   */
  topK?: number | null;
}

/**
 * Canonical rows from legacy completions `logprobs` arrays (vLLM and OpenAI, streamed or not).
 * Ids come from `promptTokenIds` / `tokenIds`, else from `token_id:N` tokens. Each `top_logprobs`
 * map holds the top-k plus, when it is not among them, the sampled token (k + 1 keys): once k is
 * known, a sampled token that is the least likely of k + 1 keys is censored (`rank > k`) instead of
 * being given rank k + 1.
 *
 * @example
 * legacyRows(choice.logprobs, { echoed: 0, firstPosition: 0 })[0].logprob // -1.2
 */
export function legacyRows(legacy: LegacyLogprobs, options: LegacyRowsOptions): RowWithoutOffsets[] {
  const { echoed } = options;
  const from = Math.max(0, options.from ?? 0);
  const to = Math.min(legacy.tokens.length, options.to ?? legacy.tokens.length);
  const k = options.topK === undefined ? legacyTopK(legacy) : options.topK;
  const rows: RowWithoutOffsets[] = [];
  for (let i = from; i < to; i++) {
    const isPrompt = i < echoed;
    const id = isPrompt
      ? options.promptTokenIds?.length === echoed
        ? options.promptTokenIds[i]
        : null
      : (options.tokenIds?.[i - echoed] ?? null);
    rows.push(legacyRow(legacy, i, options.firstPosition + (i - from), id, isPrompt, k));
  }
  return rows;
}

/**
 * The bounds a run of legacy maps puts on k, intersected over positions (see `legacyTopK`).
 *
 * @example
 * const start: TopKBounds = { lo: 0, hi: Infinity };
 */
export interface TopKBounds {
  lo: number;
  hi: number;
}

/**
 * Narrows the bounds on k with the legacy maps of entries `from..`: a map of n keys in which the
 * sampled token is not the least likely holds exactly the top-k (k = n); one where it is the least
 * likely holds the top-n (k = n) or the top-(n-1) plus the appended sampled token (k = n - 1).
 *
 * @example
 * const bounds = legacyTopKBounds(legacy, 0, { lo: 0, hi: Infinity })
 */
export function legacyTopKBounds(legacy: LegacyLogprobs, from: number, bounds: TopKBounds): TopKBounds {
  let { lo, hi } = bounds;
  for (let i = Math.max(0, from); i < legacy.tokens.length; i++) {
    const top = legacy.top_logprobs?.[i];
    const logprob = cleanLogprob(legacy.token_logprobs[i]);
    const token = legacy.tokens[i];
    if (!top || logprob === null || !Object.hasOwn(top, token)) continue;
    const values = Object.values(top);
    const n = values.length;
    const rank = 1 + values.filter((v) => v !== null && v > logprob).length;
    lo = Math.max(lo, rank < n ? n : n - 1);
    hi = Math.min(hi, n);
  }
  return { lo, hi };
}

/**
 * The k of a whole set of legacy maps when the positions pin it down, else null (then a map's
 * keys are read as the top-n, the documented meaning).
 *
 * @example
 * legacyTopK(choice.logprobs) // 1
 */
export function legacyTopK(legacy: LegacyLogprobs): number | null {
  return topKOf(legacyTopKBounds(legacy, 0, { lo: 0, hi: Infinity }));
}

/**
 * k from its bounds: the single value they allow, else null.
 *
 * @example
 * topKOf({ lo: 1, hi: 1 }) // 1
 */
export function topKOf(bounds: TopKBounds): number | null {
  return bounds.lo === bounds.hi && Number.isFinite(bounds.hi) ? bounds.hi : null;
}

function legacyRow(
  legacy: LegacyLogprobs,
  i: number,
  position: number,
  id: number | null,
  isPrompt: boolean,
  k: number | null,
): RowWithoutOffsets {
  const token = legacy.tokens[i];
  const logprob = cleanLogprob(legacy.token_logprobs[i]);
  const alternatives = legacyAlternatives(legacy.top_logprobs?.[i] ?? null);
  const n = alternatives.length;
  const inTop = alternatives.find((a) => a.token === token);
  // Keys are decoded text, so the actual token is found by text; outside the map its rank is censored.
  let rank = logprob === null ? null : (inTop?.rank ?? null);
  let censored = logprob !== null && !inTop && n > 0;
  let bound = censored ? n : null;
  let topK = n;
  if (inTop && rank !== null && rank >= n && k !== null && n === k + 1) {
    // The sampled token was appended beyond the top-k: its rank is k + 1 only if no unlisted token
    // can be more likely; otherwise all that is known is rank > k.
    topK = k;
    if (!unlistedCannotOutrank(alternatives, logprob!)) {
      rank = null;
      inTop.rank = null;
      censored = k > 0;
      bound = censored ? k : null;
    }
  }
  return {
    position,
    tokenId: id ?? tokenIdFromPlaceholder(token),
    token,
    bytes: null,
    logprob,
    rank,
    rankCensored: censored,
    rankBound: bound,
    topK,
    alternatives,
    isPrompt,
    special: isSpecialTokenText(token),
  };
}

/**
 * Whether the listed alternatives leave too little probability mass for any unlisted token to be
 * more likely than a token of `logprob`; then its rank among the listed is its rank in the vocabulary.
 *
 * @example
 * unlistedCannotOutrank([{ logprob: -0.1 }], -0.1) // true: at most 0.095 is left for the rest
 */
export function unlistedCannotOutrank(
  listed: readonly { logprob: number | null }[],
  logprob: number,
): boolean {
  const mass = listed.reduce((sum, a) => sum + (a.logprob === null ? 0 : Math.exp(a.logprob)), 0);
  // A little slack for the rounding of the reported values.
  return 1 - mass + 1e-6 * (listed.length + 1) <= Math.exp(logprob);
}

/** A legacy `{text: logprob}` map as alternatives ranked by value (ties share 1 + #strictly greater). */
function legacyAlternatives(top: Record<string, number | null> | null): Alternative[] {
  if (!top) return [];
  const alternatives = Object.entries(top).map(([text, lp]) => ({
    tokenId: tokenIdFromPlaceholder(text),
    token: text,
    logprob: cleanLogprob(lp),
    rank: null as number | null,
  }));
  for (const a of alternatives) {
    if (a.logprob !== null)
      a.rank = 1 + alternatives.filter((o) => (o.logprob ?? -Infinity) > a.logprob!).length;
  }
  return alternatives.sort((a, b) => (b.logprob ?? -Infinity) - (a.logprob ?? -Infinity));
}
