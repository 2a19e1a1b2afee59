import { ApiError } from "./api-error.js";

/** The embedded server's cap on `n` (vLLM's is 16384): every choice is computed on one CPU thread. @example MAX_N // 128 */
export const MAX_N = 128;

/**
 * Checks the sampling fields of a vLLM completions or chat body as vLLM's `SamplingParams` does,
 * with its messages (vllm/sampling_params.py `_verify_args`): temperature in [0, 2], top_p in
 * (0, 1], top_k 0, -1 or ≥ 1, min_p in [0, 1], presence/frequency penalties in [-2, 2],
 * repetition_penalty > 0, n from 1 to `MAX_N`. The request schemas fix only the types of the fields
 * they read; these are ranges (and types of fields the embedded model accepts but ignores, such as
 * top_p). Every error is a 400 whose `param` names the field.
 *
 * @example
 * checkSamplingParams({ prompt: "Hi", top_p: 0 }) // throws 400 "top_p must be in (0, 1], got 0."
 */
export function checkSamplingParams(body: unknown): void {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return;
  const fields = body as Record<string, unknown>;
  const number = (name: string, integer = false): number | null => {
    const value = fields[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== "number" || (integer && !Number.isInteger(value))) {
      const expected = integer ? "an integer" : "a number";
      throw new ApiError(
        400,
        `Invalid request parameter \`${name}\`: expected ${expected}, got ${JSON.stringify(value)}.`,
        name,
      );
    }
    return value;
  };
  const refuse = (name: string, message: string, value: number): never => {
    throw new ApiError(400, `${message} (parameter=${name}, value=${value})`, name);
  };
  const temperature = number("temperature");
  if (temperature !== null && temperature < 0) {
    refuse("temperature", `temperature must be non-negative, got ${temperature}.`, temperature);
  }
  if (temperature !== null && temperature > 2) {
    refuse("temperature", `temperature must be in [0, 2], got ${temperature}.`, temperature);
  }
  const topP = number("top_p");
  if (topP !== null && !(topP > 0 && topP <= 1))
    refuse("top_p", `top_p must be in (0, 1], got ${topP}.`, topP);
  const topK = number("top_k", true);
  if (topK !== null && topK < -1) {
    refuse("top_k", `top_k must be 0 (disable), or at least 1, got ${topK}.`, topK);
  }
  const minP = number("min_p");
  if (minP !== null && !(minP >= 0 && minP <= 1))
    refuse("min_p", `min_p must be in [0, 1], got ${minP}.`, minP);
  for (const name of ["presence_penalty", "frequency_penalty"]) {
    const penalty = number(name);
    if (penalty !== null && !(penalty >= -2 && penalty <= 2)) {
      refuse(name, `${name} must be in [-2, 2], got ${penalty}.`, penalty);
    }
  }
  const repetition = number("repetition_penalty");
  if (repetition !== null && repetition <= 0) {
    refuse(
      "repetition_penalty",
      `repetition_penalty must be greater than zero, got ${repetition}.`,
      repetition,
    );
  }
  const n = number("n", true);
  if (n !== null && n < 1) refuse("n", `n must be at least 1, got ${n}.`, n);
  if (n !== null && n > MAX_N) {
    refuse(
      "n",
      `n must be at most ${MAX_N}, got ${n}. The embedded server computes every choice on one CPU thread.`,
      n,
    );
  }
}
