import { randomUUID } from "node:crypto";
import { HttpStatusError, ServerError, TransportError } from "../../errors.js";

/**
 * One line of a batch output file as `runBatch` writes it (the OpenAI Batch output format).
 *
 * @example
 * const line: OutputLine = answerLine("text-0", 200, body, null);
 */
export interface OutputLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: unknown } | null;
  error: { code: string; message: string } | null;
}

/**
 * The output line of an answered request (or, with `error`, of one the server refused).
 *
 * @example
 * answerLine("text-0", 200, { id: "cmpl-1", choices: [] }, null).response?.request_id // "cmpl-1"
 */
export function answerLine(
  customId: string,
  status: number,
  body: unknown,
  error: OutputLine["error"],
): OutputLine {
  const bodyId = (body as { id?: unknown } | null)?.id;
  return {
    id: `batch_req_${randomUUID()}`,
    custom_id: customId,
    response: { status_code: status, request_id: typeof bodyId === "string" ? bodyId : randomUUID(), body },
    error,
  };
}

/**
 * A failed line: the status and (already redacted) error body when the server answered, else the
 * error's code and message (`response: null`), which a resumed run redoes.
 *
 * @example
 * failureLine("text-0", new TransportError("refused", { url: "http://h/v1", code: "ECONNREFUSED" })).error?.code // "ECONNREFUSED"
 */
export function failureLine(customId: string, error: unknown): OutputLine {
  if (error instanceof HttpStatusError) {
    return answerLine(customId, error.status, error.body, {
      code: String(error.status),
      message: error.serverMessage,
    });
  }
  if (error instanceof ServerError) {
    return answerLine(customId, 200, null, {
      code: error.errorType ?? "server_error",
      message: error.serverMessage,
    });
  }
  const code = error instanceof TransportError ? (error.code ?? "transport_error") : "runner_error";
  return {
    id: `batch_req_${randomUUID()}`,
    custom_id: customId,
    response: null,
    error: { code, message: error instanceof Error ? error.message : String(error) },
  };
}
