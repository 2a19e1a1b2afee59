import type { RowWithoutOffsets } from "../core/assemble-text.js";
import { type Alternative, cleanLogprob, type IdentificationMethod } from "../core/token-logprob.js";
import { UsageError } from "../errors.js";
import type { ParsedSequence } from "./parsed-sequence.js";
import { isSpecialTokenText, tokenIdFromPlaceholder } from "./token-text.js";
import { validate } from "./validate.js";
import {
  type CompletionChoice,
  type CompletionRequest,
  completionResponseSchema,
  type LegacyLogprobs,
  type VllmLogprob,
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

export const VLLM_DIALECT = "vllm-completions" as const;

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
  if (!Number.isInteger(options.topK) || options.topK < 0 || options.topK > 20) {
    throw new UsageError(`topK must be an integer from 0 to 20 (vLLM's default limit); got ${options.topK}`);
  }
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
  const response = validate(completionResponseSchema, body, VLLM_DIALECT);
  const index = options.choice ?? 0;
  const choice = response.choices.find((c) => c.index === index) ?? response.choices[index];
  if (!choice) {
    throw new UsageError(
      `choice ${index} is not in this response; it has ${response.choices.length} choice(s)`,
    );
  }
  const prompt = choice.prompt_logprobs
    ? promptRows(choice, options)
    : { rows: [], method: "generated" as const };
  const generated =
    options.includeGenerated === false ? [] : generatedRows(choice, prompt.rows.length, response);
  return {
    rows: [...prompt.rows, ...generated],
    method: prompt.method,
    model: response.model,
    dialect: VLLM_DIALECT,
  };
}

function promptRows(
  choice: CompletionChoice,
  options: VllmParseOptions,
): { rows: RowWithoutOffsets[]; method: IdentificationMethod } {
  const dicts = choice.prompt_logprobs!;
  const { ids, method } = actualTokenIds(choice, options, dicts);
  const k = options.topK ?? inferTopK(dicts, ids);
  const rows = dicts.map((dict, position): RowWithoutOffsets => {
    const id = ids[position];
    if (!dict) return firstRow(position, id, dicts, choice.logprobs);
    const alternatives = alternativesOf(dict);
    const actual = id === null ? undefined : dict[String(id)];
    const logprob = actual ? cleanLogprob(actual.logprob) : null;
    const reportedRank = logprob === null ? null : (actual?.rank ?? null);
    // The actual token is appended beyond the top-k when it is not among them.
    const extra =
      actual !== undefined && (reportedRank === null || reportedRank > k) && alternatives.length > k;
    const censored = logprob !== null && reportedRank === null && extra;
    const token = actual?.decoded_token ?? (id === null ? "" : `token_id:${id}`);
    return {
      position,
      tokenId: id,
      token,
      bytes: null,
      logprob,
      rank: reportedRank,
      rankCensored: censored,
      rankBound: censored ? k : null,
      topK: extra ? alternatives.length - 1 : alternatives.length,
      alternatives,
      isPrompt: true,
      special: isSpecialTokenText(token),
    };
  });
  return { rows, method };
}

/** Position 0 has no conditional: a row with a null logprob, its text from echo or other positions. */
function firstRow(
  position: number,
  id: number | null,
  dicts: NonNullable<CompletionChoice["prompt_logprobs"]>,
  legacy: LegacyLogprobs | null | undefined,
): RowWithoutOffsets {
  let token = legacy && legacy.tokens.length > position ? legacy.tokens[position] : undefined;
  if (token !== undefined && tokenIdFromPlaceholder(token) !== null) token = undefined;
  if (token === undefined && id !== null) {
    for (const dict of dicts) {
      const entry = dict?.[String(id)];
      if (entry?.decoded_token != null) {
        token = entry.decoded_token;
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
    logprob: null,
    rank: null,
    rankCensored: false,
    rankBound: null,
    topK: 0,
    alternatives: [],
    isPrompt: true,
    special: isSpecialTokenText(token) || id === 128000,
  };
}

function alternativesOf(dict: Record<string, VllmLogprob>): Alternative[] {
  const out: Alternative[] = [];
  for (const key in dict) {
    const entry = dict[key];
    out.push({
      tokenId: Number(key),
      token: entry.decoded_token ?? `token_id:${key}`,
      logprob: cleanLogprob(entry.logprob),
      rank: entry.rank ?? null,
    });
  }
  // JSON key order is lost in JS (integer-like keys iterate ascending), so order by value ourselves.
  return out.sort(
    (a, b) =>
      (b.logprob ?? -Infinity) - (a.logprob ?? -Infinity) || (a.rank ?? Infinity) - (b.rank ?? Infinity),
  );
}

/**
 * k as the server applied it. A dict of n entries holds the top-n when the actual token ranks
 * within them (rank < n ⇒ k = n) and the top-(n-1) plus the appended actual otherwise (rank > n ⇒
 * k = n - 1); rank = n or no rank fits either. k is the same at every position, so intersect.
 */
function inferTopK(dicts: NonNullable<CompletionChoice["prompt_logprobs"]>, ids: (number | null)[]): number {
  let lo = 0;
  let hi = Infinity;
  let fewest = Infinity;
  dicts.forEach((dict, position) => {
    if (!dict) return;
    const n = Object.keys(dict).length;
    const id = ids[position];
    const rank = id === null ? null : (dict[String(id)]?.rank ?? null);
    lo = Math.max(lo, rank !== null && rank < n ? n : n - 1);
    hi = Math.min(hi, rank !== null && rank > n ? n - 1 : n);
    fewest = Math.min(fewest, n);
  });
  if (hi >= lo && Number.isFinite(hi)) return hi;
  return Number.isFinite(fewest) ? fewest : 0;
}

function actualTokenIds(
  choice: CompletionChoice,
  options: VllmParseOptions,
  dicts: NonNullable<CompletionChoice["prompt_logprobs"]>,
): { ids: (number | null)[]; method: IdentificationMethod } {
  const n = dicts.length;
  if (choice.prompt_token_ids && choice.prompt_token_ids.length === n) {
    return { ids: choice.prompt_token_ids, method: "return_token_ids" };
  }
  if (options.promptTokenIds && options.promptTokenIds.length === n) {
    return { ids: [...options.promptTokenIds], method: "tokenize" };
  }
  const echoed = choice.logprobs?.tokens.slice(0, n).map(tokenIdFromPlaceholder);
  if (echoed && echoed.length === n && echoed.every((id) => id !== null)) {
    return { ids: echoed, method: "echo" };
  }
  return { ids: idsFromDecodedText(dicts, options.prompt, choice.logprobs?.tokens), method: "decoded_token" };
}

/**
 * Last resort: walk the prompt text and, at each position, take the dict entry whose decoded text
 * continues it (the longest such), or the only entry ranked beyond the others (the appended actual).
 */
function idsFromDecodedText(
  dicts: NonNullable<CompletionChoice["prompt_logprobs"]>,
  prompt: string | undefined,
  echoTokens: string[] | undefined,
): (number | null)[] {
  let cursor = 0;
  return dicts.map((dict, position) => {
    if (!dict) return null;
    const entries = Object.entries(dict);
    const expected = echoTokens?.[position];
    let best: [string, VllmLogprob] | undefined;
    for (const entry of entries) {
      const text = entry[1].decoded_token ?? "";
      const fits = expected !== undefined ? text === expected : prompt?.startsWith(text, cursor);
      if (fits && text.length > 0 && (!best || text.length > (best[1].decoded_token ?? "").length))
        best = entry;
    }
    if (!best) {
      const beyond = entries.filter(([, v]) => v.rank != null && v.rank > entries.length - 1);
      if (beyond.length === 1) best = beyond[0];
    }
    if (best) cursor += (best[1].decoded_token ?? "").length;
    return best ? Number(best[0]) : null;
  });
}

/**
 * Rows from the legacy `logprobs` arrays: generated positions, and echoed prompt positions when
 * no `prompt_logprobs` gave them already.
 */
function generatedRows(
  choice: CompletionChoice,
  promptLength: number,
  response: { usage?: { prompt_tokens: number } | null; choices: unknown[] },
): RowWithoutOffsets[] {
  const legacy = choice.logprobs;
  if (!legacy) return [];
  // How many leading entries are the echoed prompt: known from token_ids or prompt_logprobs, or,
  // for a single choice, from usage.prompt_tokens.
  let echoed = promptLength;
  if (choice.token_ids) echoed = legacy.tokens.length - choice.token_ids.length;
  else if (promptLength === 0 && response.usage && response.choices.length === 1) {
    echoed = legacy.tokens.length > response.usage.prompt_tokens ? response.usage.prompt_tokens : 0;
  }
  const start = promptLength > 0 ? echoed : 0;
  const rows: RowWithoutOffsets[] = [];
  for (let i = Math.max(0, start); i < legacy.tokens.length; i++) {
    const id = i >= echoed ? (choice.token_ids?.[i - echoed] ?? null) : null;
    rows.push(legacyRow(legacy, i, promptLength + rows.length, id, i < echoed));
  }
  return rows;
}

function legacyRow(
  legacy: LegacyLogprobs,
  i: number,
  position: number,
  id: number | null,
  isPrompt: boolean,
): RowWithoutOffsets {
  const token = legacy.tokens[i];
  const logprob = cleanLogprob(legacy.token_logprobs[i]);
  const alternatives = legacyAlternatives(legacy.top_logprobs?.[i] ?? null);
  const inTop = alternatives.find((a) => a.token === token);
  // Keys are decoded text, so the actual token is found by text; outside the map its rank is censored.
  const censored = logprob !== null && !inTop && alternatives.length > 0;
  return {
    position,
    tokenId: id ?? tokenIdFromPlaceholder(token),
    token,
    bytes: null,
    logprob,
    rank: logprob === null ? null : (inTop?.rank ?? null),
    rankCensored: censored,
    rankBound: censored ? alternatives.length : null,
    topK: alternatives.length,
    alternatives,
    isPrompt,
    special: isSpecialTokenText(token),
  };
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
