import type { z } from "zod";
import { ResponseShapeError } from "../errors.js";

/**
 * Validates a wire body against its schema once, at the boundary; on failure throws
 * `ResponseShapeError` naming the dialect and the first path that did not match.
 *
 * @example
 * const body = validate(completionResponseSchema, json, "vllm-completions");
 */
export function validate<S extends z.ZodType>(schema: S, body: unknown, dialect: string): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map(String).join(".");
  throw new ResponseShapeError(`response is not a ${dialect} body: ${issue.message}`, { dialect, path });
}

/**
 * A large, regular, nullable part of a wire body (vLLM's `prompt_logprobs`, chat `logprobs.content`)
 * that is checked by hand instead of by zod, which copies every value it validates. `path` leads to
 * it: object keys, `"*"` for every element of an array. `accepts` must return true only for values
 * the schema at that path accepts; it may refuse more (then zod decides, as without a fast path).
 *
 * @example
 * const hot: HotField = { path: ["choices", "*", "prompt_logprobs"], accepts: acceptsPromptLogprobs };
 */
export interface HotField {
  path: readonly string[];
  accepts(value: unknown): boolean;
}

/**
 * `validate` with a fast path for hot fields: each is checked by its `accepts`, the rest of the
 * body (the envelope, with the hot fields set to null) by the schema, and the hot values go back
 * into the result as they are (the schema would only have copied them, dropping unknown keys).
 * When a hot field or the envelope does not pass, the whole body goes through `validate`, so a
 * bad body fails exactly as it would without the fast path: same `ResponseShapeError`, same path.
 *
 * @example
 * const response = validateFast(completionResponseSchema, body, "vllm-completions", [
 *   { path: ["choices", "*", "prompt_logprobs"], accepts: acceptsPromptLogprobs },
 * ]);
 */
export function validateFast<S extends z.ZodType>(
  schema: S,
  body: unknown,
  dialect: string,
  hot: readonly HotField[],
): z.infer<S> {
  const held: Held[] = [];
  let envelope: unknown = body;
  for (const field of hot) {
    envelope = stripHot(envelope, field, 0, [], held);
    if (envelope === REFUSED) return validate(schema, body, dialect);
  }
  const result = schema.safeParse(envelope);
  if (!result.success) return validate(schema, body, dialect);
  for (const { path, value } of held) setAt(result.data, path, value);
  return result.data;
}

interface Held {
  path: (string | number)[];
  value: unknown;
}

const REFUSED = Symbol("refused");

/**
 * A shallow copy of `value` with the hot field under it set to null (its value held back), or
 * REFUSED when the field is refused or a container on its path is not a plain object or array
 * (zod then sees the body whole). Where the path does not lead anywhere, the value is unchanged.
 */
function stripHot(
  value: unknown,
  field: HotField,
  depth: number,
  at: (string | number)[],
  held: Held[],
): unknown {
  if (depth === field.path.length) {
    if (value === null || value === undefined) return value;
    if (!field.accepts(value)) return REFUSED;
    held.push({ path: at, value });
    return null;
  }
  if (value === null || typeof value !== "object") return value;
  const key = field.path[depth] as string;
  if (key === "*") {
    if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype) return REFUSED;
    const copy = value.slice();
    for (let i = 0; i < copy.length; i++) {
      const stripped = stripHot(copy[i], field, depth + 1, [...at, i], held);
      if (stripped === REFUSED) return REFUSED;
      copy[i] = stripped;
    }
    return copy;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return REFUSED;
  if (!Object.hasOwn(value, key)) return value;
  const stripped = stripHot((value as Record<string, unknown>)[key], field, depth + 1, [...at, key], held);
  if (stripped === REFUSED) return REFUSED;
  return { ...value, [key]: stripped };
}

function setAt(target: unknown, path: readonly (string | number)[], value: unknown): void {
  let node = target as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) node = node[path[i] as string | number] as typeof node;
  node[path[path.length - 1] as string | number] = value;
}
