import { jsonPreview } from "./json-preview.js";

/**
 * The server's own message from an error body in any of the shapes the dialects use: vLLM ≥ 0.10.1
 * and OpenAI `{"error": {"message"}}`, vLLM ≤ 0.10.0 `{"object": "error", "message"}`, TGI
 * `{"error", "error_type"}`, DeepInfra `{"error_type", "error_message"}`, FastAPI `{"detail"}`.
 * Returns undefined when the body is not an error.
 *
 * @example
 * serverErrorMessage({ error: { message: "bad", type: "BadRequestError", code: 400 } }) // "bad"
 */
export function serverErrorMessage(body: unknown): string | undefined {
  if (!body || typeof body !== "object" || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (b.error && typeof b.error === "object") {
    const e = b.error as Record<string, unknown>;
    if (typeof e.message === "string") return e.message;
    return jsonPreview(e, Infinity);
  }
  if (typeof b.error === "string") return b.error;
  if (typeof b.error_message === "string") return b.error_message;
  if (b.object === "error" && typeof b.message === "string") return b.message;
  if (b.detail !== undefined)
    return typeof b.detail === "string" ? b.detail : jsonPreview(b.detail, Infinity);
  return undefined;
}
