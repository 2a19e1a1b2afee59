import { HttpStatusError } from "../../errors.js";
import { isPlainObject } from "../../providers/plain-object.js";
import { validate } from "../../providers/validate.js";
import { type TokenizeResponse, tokenizeResponseSchema } from "../../providers/vllm-schema.js";
import { type TokenBytes, tokenBytesFromPieces } from "./piece-bytes.js";
import type { ScoringEndpoint } from "./scoring-endpoint.js";

/**
 * A text as the server tokenizes it for a completions prompt (`<|begin_of_text|>` included).
 *
 * @example
 * const t: Tokenization = { ids: [128000, 791], maxModelLen: 8192, spans: null };
 */
export interface Tokenization {
  ids: number[];
  /** The server's context length, when `/tokenize` says. */
  maxModelLen: number | undefined;
  /** Each token's exact bytes, when the server's raw pieces are byte-level BPE that spell the text. */
  spans: TokenBytes | null;
}

/**
 * Tokenizes a text with vLLM's `/tokenize` (at the server root; `return_token_strs` for the raw
 * pieces). Undefined when the endpoint is not vLLM or the server has no `/tokenize` (400, 404, 405
 * or 501 — remembered in `endpoint.tokenizer` so it is asked once per lab).
 *
 * @example
 * const t = await tokenizeText(endpoint, "The capital of France is");
 */
export async function tokenizeText(
  endpoint: ScoringEndpoint,
  text: string,
  signal?: AbortSignal,
): Promise<Tokenization | undefined> {
  if (endpoint.provider !== "vllm" || endpoint.tokenizer.available === false) return undefined;
  let body: unknown;
  try {
    body = await endpoint.http.postJson(
      "/tokenize",
      { model: endpoint.model, prompt: text, return_token_strs: true },
      { root: true, signal },
    );
  } catch (error) {
    if (error instanceof HttpStatusError && [400, 404, 405, 501].includes(error.status)) {
      endpoint.tokenizer.available = false;
      return undefined;
    }
    throw error;
  }
  endpoint.tokenizer.available = true;
  const answer = acceptsTokenizeAnswer(body) ? body : validate(tokenizeResponseSchema, body, "vllm-tokenize");
  const pieces = answer.token_strs;
  return {
    ids: answer.tokens,
    maxModelLen: answer.max_model_len,
    spans: pieces && pieces.length === answer.tokens.length ? tokenBytesFromPieces(pieces, text) : null,
  };
}

/**
 * A `/tokenize` answer checked by hand against `tokenizeResponseSchema` (zod would copy both arrays
 * element by element, for every text scored): true only for what the schema accepts; anything else
 * goes to the schema, which reports it.
 */
function acceptsTokenizeAnswer(body: unknown): body is TokenizeResponse {
  if (!isPlainObject(body)) return false;
  const { count, max_model_len, tokens, token_strs } = body;
  return (
    Number.isSafeInteger(count) &&
    (max_model_len === undefined || Number.isSafeInteger(max_model_len)) &&
    Array.isArray(tokens) &&
    tokens.every(Number.isSafeInteger) &&
    (token_strs === undefined ||
      token_strs === null ||
      (Array.isArray(token_strs) && token_strs.every((piece) => typeof piece === "string")))
  );
}
