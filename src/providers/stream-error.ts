import type { RowWithoutOffsets } from "../core/assemble-text.js";
import { ServerError } from "../errors.js";
import { serverErrorMessage } from "./error-body.js";

/**
 * Throws `ServerError` when a stream payload is an error event in any dialect's shape (TGI
 * `{error, error_type}`, DeepInfra / DEVUP `{error_type, error_message}`, Ollama `{error}`,
 * llama.cpp / OpenAI `{error: {message, type, code}}`), carrying the rows received before it.
 *
 * @example
 * throwIfServerError({ error: "Model is overloaded", error_type: "overloaded" }, rows, "in the TGI stream");
 */
export function throwIfServerError(
  payload: unknown,
  partial: readonly RowWithoutOffsets[],
  where: string,
): void {
  const message = serverErrorMessage(payload);
  if (message === undefined) return;
  const body = payload as { error?: unknown; error_type?: unknown };
  const nested =
    body.error && typeof body.error === "object"
      ? (body.error as { type?: unknown; code?: unknown })
      : undefined;
  const type = body.error_type ?? nested?.type ?? nested?.code;
  throw new ServerError({
    serverMessage: message,
    // A name is a string or a number; anything else (an object, a nested array) names nothing.
    errorType: typeof type === "string" || typeof type === "number" ? String(type) : undefined,
    partial: [...partial],
    where,
  });
}
