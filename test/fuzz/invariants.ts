import type { RowWithoutOffsets } from "../../src/core/assemble-text.js";
import type { Alternative } from "../../src/core/token-logprob.js";
import { LogprobLabError } from "../../src/errors.js";
import type { ParsedSequence } from "../../src/providers/parsed-sequence.js";
import type { LogprobResult } from "../../src/result.js";

const DIALECTS = new Set(["vllm-completions", "openai-chat", "tgi", "devup", "llamacpp", "ollama"]);
const METHODS = new Set(["return_token_ids", "tokenize", "echo", "decoded_token", "generated"]);

/** Thrown when a parser's output breaks an invariant: the number looks valid but cannot be. */
class InvariantError extends Error {
  override name = "InvariantError";
}

function fail(what: string, value: unknown): never {
  throw new InvariantError(`${what}: ${describe(value)}`);
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_, v) =>
      typeof v === "number" && !Number.isFinite(v) ? String(v) : v instanceof Uint8Array ? [...v] : v,
    ).slice(0, 300);
  } catch {
    return String(value);
  }
}

function isLogprob(value: unknown): boolean {
  return value === null || (typeof value === "number" && Number.isFinite(value) && value <= 0);
}

function isRank(value: unknown): boolean {
  return value === null || (Number.isSafeInteger(value) && (value as number) >= 1);
}

function isTokenId(value: unknown): boolean {
  return value === null || Number.isSafeInteger(value);
}

function checkAlternative(a: Alternative, where: string): void {
  if (!isLogprob(a.logprob)) fail(`${where}: alternative logprob must be ≤ 0 or null`, a);
  if (!isRank(a.rank)) fail(`${where}: alternative rank must be an integer ≥ 1 or null`, a);
  if (!isTokenId(a.tokenId)) fail(`${where}: alternative tokenId must be an integer or null`, a);
  if (typeof a.token !== "string") fail(`${where}: alternative token must be a string`, a);
}

/**
 * The canonical rows' invariants, whatever the body was: positions 0..n-1 in order, prompt rows
 * first, logprob ≤ 0 or null (never NaN/±Infinity), rank an integer ≥ 1 or null, a censored rank
 * null with a bound ≥ 1, top_k and that bound within the alternatives reported, alternatives most
 * likely first with the same rules.
 */
export function checkRows(rows: readonly RowWithoutOffsets[]): void {
  let seenGenerated = false;
  rows.forEach((row, i) => {
    const where = `row ${i}`;
    if (row.position !== i) fail(`${where}: position must be ${i}`, row.position);
    if (!isTokenId(row.tokenId)) fail(`${where}: tokenId must be an integer or null`, row.tokenId);
    if (typeof row.token !== "string") fail(`${where}: token must be a string`, row.token);
    if (row.bytes !== null && !(row.bytes instanceof Uint8Array)) fail(`${where}: bytes`, row.bytes);
    if (!isLogprob(row.logprob)) fail(`${where}: logprob must be ≤ 0 or null`, row.logprob);
    if (!isRank(row.rank)) fail(`${where}: rank must be an integer ≥ 1 or null`, row.rank);
    if (typeof row.rankCensored !== "boolean") fail(`${where}: rankCensored`, row.rankCensored);
    if (row.rankCensored) {
      if (row.rank !== null) fail(`${where}: a censored rank must be null`, row);
      if (!(Number.isSafeInteger(row.rankBound) && (row.rankBound as number) >= 1))
        fail(`${where}: a censored rank needs a bound ≥ 1`, row.rankBound);
    } else if (row.rankBound !== null) fail(`${where}: rankBound without censoring`, row.rankBound);
    if (!(Number.isSafeInteger(row.topK) && row.topK >= 0 && row.topK <= row.alternatives.length))
      fail(`${where}: topK must be 0..the alternatives reported`, row);
    if (row.rankBound !== null && row.rankBound > row.alternatives.length)
      fail(`${where}: a censored rank's bound cannot pass the alternatives reported`, row);
    if (typeof row.isPrompt !== "boolean" || typeof row.special !== "boolean")
      fail(`${where}: isPrompt/special must be booleans`, row);
    if (!row.isPrompt) seenGenerated = true;
    else if (seenGenerated) fail(`${where}: a prompt row after a generated one`, row);
    if (!Array.isArray(row.alternatives)) fail(`${where}: alternatives`, row.alternatives);
    let previous = Infinity;
    for (const a of row.alternatives) {
      checkAlternative(a, where);
      const value = a.logprob ?? -Infinity;
      if (value > previous) fail(`${where}: alternatives must be most likely first`, row.alternatives);
      previous = value;
    }
  });
}

/** `checkRows` plus the sequence's own fields. */
export function checkSequence(sequence: ParsedSequence): void {
  if (!DIALECTS.has(sequence.dialect)) fail("dialect", sequence.dialect);
  if (!METHODS.has(sequence.method)) fail("method", sequence.method);
  if (sequence.incomplete !== undefined && typeof sequence.incomplete !== "boolean")
    fail("incomplete", sequence.incomplete);
  checkRows(sequence.rows);
}

/**
 * A `LogprobResult`'s invariants: its rows', offsets inside `text` and in order, finite totals,
 * and no NaN in the tokens table's logprob / prob / surprisal columns (`table` builds the arquero
 * table too, the slower part).
 */
export function checkResult(result: LogprobResult, options: { table?: boolean } = {}): void {
  checkRows(result.rows);
  let start = 0;
  for (const row of result.rows) {
    if (!(row.charStart >= start && row.charStart <= row.charEnd && row.charEnd <= result.text.length))
      fail(`row ${row.position}: offsets out of order or outside the text`, [row.charStart, row.charEnd]);
    start = row.charStart;
  }
  const s = result.summary;
  if (!Number.isFinite(s.totalLogprob) || s.totalLogprob > 0) fail("summary.totalLogprob", s);
  if (s.tokenCount > 0 && !(Number.isFinite(s.meanLogprob) && s.perplexity >= 1)) fail("summary", s);
  if (!options.table) return;
  for (const row of result.tokens.objects() as Record<string, unknown>[]) {
    for (const column of ["logprob", "prob", "surprisal_bits", "surprisal_nats"]) {
      const value = row[column];
      if (value !== null && !(typeof value === "number" && Number.isFinite(value)))
        fail(`tokens.${column} must be finite or null`, row);
    }
    const prob = row.prob as number | null;
    if (prob !== null && !(prob >= 0 && prob <= 1)) fail("tokens.prob must be in [0, 1]", row);
  }
}

/**
 * Runs `parse` and returns what it gave, or the typed error it threw. Anything else — a TypeError,
 * RangeError, a stack overflow, a plain Error — is re-thrown so the property fails on it.
 */
export function resultOrTypedError<T>(parse: () => T): T | LogprobLabError {
  try {
    return parse();
  } catch (error) {
    if (error instanceof LogprobLabError) {
      if (typeof error.message !== "string" || error.message.length === 0)
        throw new InvariantError(`a ${error.name} without a message`);
      return error;
    }
    throw error;
  }
}
