import { z } from "zod";
import { chatRequestSchema } from "./chat-request-schema.js";
import { completionRequestSchema } from "./vllm-schema.js";

/**
 * OpenAI Batch API file lines (the format vLLM's `run_batch` also reads and writes), the single
 * source of their wire types. Input: one request per line. Output: one answer per line, in any
 * order, matched to its request by `custom_id`.
 */

/**
 * One line of a batch input file: `{ custom_id, method: "POST", url, body }`, the body exactly
 * what would be POSTed to `url`: a `/v1/completions` body (`prompt`) or a `/v1/chat/completions`
 * one (`messages`).
 */
export const batchRequestLineSchema = z.object({
  custom_id: z.string().min(1),
  method: z.literal("POST"),
  url: z.string().startsWith("/"),
  body: z.union([completionRequestSchema, chatRequestSchema]),
});

/** The error of a failed line: OpenAI's `{ code, message }`, or vLLM's message string (or error body). */
const batchLineErrorSchema = z.union([
  z.string(),
  z.looseObject({
    code: z.union([z.string(), z.number()]).nullable().optional(),
    message: z.string().nullable().optional(),
    type: z.string().nullable().optional(),
    error: z
      .looseObject({ message: z.string().nullable().optional(), type: z.string().nullable().optional() })
      .optional(),
  }),
]);

/**
 * One line of a batch output (or error) file: `{ id, custom_id, response: { status_code,
 * request_id, body }, error }`. `response.body` is the endpoint's answer (vLLM leaves it out when
 * the request failed); `error` says why a line failed.
 */
export const batchOutputLineSchema = z.object({
  id: z.string().nullable().optional(),
  custom_id: z.string(),
  response: z
    .object({
      status_code: z.number().int().optional(),
      request_id: z.string().nullable().optional(),
      body: z.unknown().optional(),
    })
    .nullable()
    .optional(),
  error: batchLineErrorSchema.nullable().optional(),
});

/**
 * One request line of a batch input file.
 *
 * @example
 * const line: BatchRequestLine = { custom_id: "text-0", method: "POST", url: "/v1/completions", body: { model: "m", prompt: "Hi", max_tokens: 1, prompt_logprobs: 5 } };
 */
export type BatchRequestLine = z.infer<typeof batchRequestLineSchema>;

/**
 * One answer line of a batch output file, validated.
 *
 * @example
 * const line: BatchOutputLine = batchOutputLineSchema.parse(JSON.parse(text));
 */
export type BatchOutputLine = z.infer<typeof batchOutputLineSchema>;

/**
 * A batch input line as a runner reads it: the body is only required to be a JSON object, and is
 * sent as it stands (`batchRequestLineSchema` checks it as a scoring body).
 *
 * @example
 * batchRunLineSchema.parse({ custom_id: "a", method: "POST", url: "/v1/embeddings", body: { input: "x" } })
 */
export const batchRunLineSchema = z.object({
  custom_id: z.string().min(1),
  method: z.literal("POST"),
  url: z.string().startsWith("/"),
  body: z.record(z.string(), z.unknown()),
});
