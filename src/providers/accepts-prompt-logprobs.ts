import { isPlainObject } from "./plain-object.js";

/**
 * The hand check of vLLM's `prompt_logprobs` (`promptLogprobsSchema`: an array of null or
 * `{ "<token id>": {logprob, rank?, decoded_token?} }`) for `validateFast`: true only for values the
 * schema accepts — logprob a finite number or null, rank a safe integer ≥ 1, null or absent,
 * decoded_token a string, null or absent, each dict a plain object. It refuses a little more than
 * the schema (a dict with symbol keys, a `__proto__` key, another prototype); zod decides those.
 *
 * @example
 * acceptsPromptLogprobs([null, { "791": { logprob: -2.4, rank: 1, decoded_token: "The" } }]) // true
 */
export function acceptsPromptLogprobs(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const dict: unknown = value[i];
    if (dict !== null && !acceptsDict(dict)) return false;
  }
  return true;
}

function acceptsDict(dict: unknown): boolean {
  // zod reads a record by Reflect.ownKeys: a symbol key fails its string key schema, and a
  // `__proto__` key is dropped from its output, which the rows built from this value would not be.
  if (!isPlainObject(dict) || Object.getOwnPropertySymbols(dict).length > 0) return false;
  const keys = Object.keys(dict);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key === "__proto__" || !acceptsEntry(dict[key])) return false;
  }
  return true;
}

function acceptsEntry(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const entry = value as { logprob?: unknown; rank?: unknown; decoded_token?: unknown };
  const { logprob, rank, decoded_token } = entry;
  return (
    (logprob === null || Number.isFinite(logprob)) &&
    (rank === undefined || rank === null || (Number.isSafeInteger(rank) && (rank as number) >= 1)) &&
    (decoded_token === undefined || decoded_token === null || typeof decoded_token === "string")
  );
}
