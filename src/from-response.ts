import { HttpStatusError, UsageError } from "./errors.js";
import { serverErrorMessage } from "./providers/error-body.js";
import { parseVllmCompletion, VLLM_DIALECT } from "./providers/vllm-completions.js";
import { LogprobResult } from "./result.js";

export interface FromResponseOptions {
  /** The dialect of the body; detected when omitted. Only "vllm-completions" so far. */
  format?: "vllm-completions";
  /** The prompt text: helps find the actual tokens when the body carries no token ids. */
  prompt?: string;
  /** The prompt's token ids (e.g. from `/tokenize`). */
  promptTokenIds?: readonly number[];
  /** Which choice to read (default 0). */
  choice?: number;
}

/**
 * Turns a response body you already have — a parsed object or its JSON text — into a
 * `LogprobResult`, with no network. Error bodies throw `HttpStatusError` with the server's message;
 * a shape that is not a known dialect throws `ResponseShapeError` naming the first path that differs.
 *
 * @example
 * const r = fromResponse(JSON.parse(fs.readFileSync("vllm-response.json", "utf8")), { prompt: "The capital of France is" });
 */
export function fromResponse(body: unknown, options: FromResponseOptions = {}): LogprobResult {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch (error) {
      throw new UsageError(
        `fromResponse got a string that is not JSON (${(error as Error).message}); pass the response body.`,
      );
    }
  }
  const message = serverErrorMessage(value);
  if (message !== undefined) {
    const code =
      (value as { error?: { code?: unknown }; code?: unknown }).error?.code ??
      (value as { code?: unknown }).code;
    throw new HttpStatusError({
      status: typeof code === "number" ? code : 0,
      url: "(response body)",
      serverMessage: message,
      body: value,
    });
  }
  if (options.format !== undefined && options.format !== VLLM_DIALECT) {
    throw new UsageError(`format ${JSON.stringify(options.format)} is not supported; use "${VLLM_DIALECT}".`);
  }
  const parsed = parseVllmCompletion(value, options);
  return new LogprobResult(parsed.rows, {
    dialect: parsed.dialect,
    model: parsed.model,
    method: parsed.method,
  });
}
