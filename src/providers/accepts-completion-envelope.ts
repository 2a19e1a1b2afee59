import { isPlainObject } from "./plain-object.js";
import type { CompletionResponse } from "./vllm-schema.js";

/**
 * The hand check of a scanned `/v1/completions` envelope (the body with `prompt_logprobs` cut out)
 * against `completionResponseSchema`, which would build a copy of it for every text scored: true
 * only for bodies the schema accepts, and then the body can stand for the schema's output (its
 * extra keys are never read). It refuses what a scoring answer does not hold — a legacy `logprobs`
 * object, a `prompt_logprobs` array, an object that is not a plain one — so zod decides those and
 * reports what is wrong.
 *
 * @example
 * acceptsCompletionEnvelope({ choices: [{ index: 0, text: ",", prompt_logprobs: null }] }) // true
 */
export function acceptsCompletionEnvelope(body: unknown): body is CompletionResponse {
  if (!isPlainObject(body)) return false;
  const { id, object, created, model, choices, usage } = body;
  // Not nullable: `z.string().optional()`, `z.number().optional()`.
  if (!(isAbsentOr(id, isString) && isAbsentOr(object, isString) && isAbsentOr(model, isString)))
    return false;
  if (!isAbsentOr(created, Number.isFinite)) return false;
  if (!Array.isArray(choices) || choices.length === 0) return false;
  for (let i = 0; i < choices.length; i++) if (!acceptsChoice(choices[i])) return false;
  return usage === undefined || usage === null || acceptsUsage(usage);
}

function acceptsChoice(choice: unknown): boolean {
  if (!isPlainObject(choice)) return false;
  const { index, text, logprobs, finish_reason, stop_reason, prompt_logprobs, prompt_token_ids, token_ids } =
    choice;
  return (
    Number.isSafeInteger(index) &&
    isNullish(logprobs) &&
    isNullish(prompt_logprobs) &&
    isOptional(text, isString) &&
    isOptional(finish_reason, isString) &&
    isOptional(stop_reason, (v) => isString(v) || Number.isFinite(v)) &&
    isOptional(prompt_token_ids, isIntegers) &&
    isOptional(token_ids, isIntegers)
  );
}

function acceptsUsage(usage: unknown): boolean {
  if (!isPlainObject(usage)) return false;
  const { prompt_tokens, completion_tokens, total_tokens } = usage;
  return (
    Number.isSafeInteger(prompt_tokens) &&
    Number.isSafeInteger(total_tokens) &&
    isOptional(completion_tokens, Number.isSafeInteger)
  );
}

const isString = (value: unknown): boolean => typeof value === "string";
const isNullish = (value: unknown): boolean => value === undefined || value === null;

/** Undefined, or what `check` accepts (zod's `.optional()`). */
function isAbsentOr(value: unknown, check: (value: unknown) => boolean): boolean {
  return value === undefined || check(value);
}

/** Undefined, null, or what `check` accepts (zod's `.nullable().optional()`). */
function isOptional(value: unknown, check: (value: unknown) => boolean): boolean {
  return value === undefined || value === null || check(value);
}

function isIntegers(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (!Number.isSafeInteger(value[i])) return false;
  return true;
}
