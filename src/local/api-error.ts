/** The error-body families the embedded server answers in, one per dialect it speaks. @example const dialect: ErrorDialect = "tgi"; */
export type ErrorDialect = "openai" | "tgi" | "devup";

/**
 * An error the embedded server answers with. `type` is vLLM's error type by default
 * ("BadRequestError", "NotFoundError", "InternalServerError"); TGI routes pass TGI's `error_type`
 * ("validation", "generation", …). `errorJson` renders it in the shape of the route's dialect.
 *
 * @example
 * throw new ApiError(400, "`prompt_logprobs` must be a positive value or -1.", "prompt_logprobs");
 */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  constructor(status: number, message: string, param: string | null = null, type?: string) {
    super(message);
    this.status = status;
    this.type =
      type ?? (status === 404 ? "NotFoundError" : status >= 500 ? "InternalServerError" : "BadRequestError");
    this.param = param;
  }
}

/**
 * The error body of each dialect (reference/wire-formats.md §1.13, §3.4, §3.7):
 * - "openai" (vLLM ≥ 0.10.1 and OpenAI): `{"error": {"message", "type", "param", "code"}}`, code = status;
 * - "tgi": `{"error": "…", "error_type": "validation" | "generation" | …}`;
 * - "devup" (DeepInfra-style FastAPI): 422 → `{"detail": [{"loc", "msg", "type"}]}`, else `{"error": "…"}`.
 *
 * @example
 * errorJson("tgi", new ApiError(422, "Input validation error: `inputs` cannot be empty", null, "validation"))
 * // '{"error":"Input validation error: `inputs` cannot be empty","error_type":"validation"}'
 */
export function errorJson(dialect: ErrorDialect, error: ApiError): string {
  switch (dialect) {
    case "openai":
      return JSON.stringify({
        error: { message: error.message, type: error.type, param: error.param, code: error.status },
      });
    case "tgi":
      return JSON.stringify({ error: error.message, error_type: tgiErrorType(error) });
    case "devup":
      if (error.status !== 422) return JSON.stringify({ error: error.message });
      return JSON.stringify({
        detail: [
          {
            loc: ["body", ...(error.param ? error.param.split(".").map(pathPart) : [])],
            msg: error.message,
            type: /^(value|type)_error/.test(error.type) ? error.type : "value_error",
          },
        ],
      });
  }
}

/** TGI's `error_type` for errors raised outside the TGI validator (bad JSON, body too large, crashes). */
function tgiErrorType(error: ApiError): string {
  if (["BadRequestError", "NotFoundError"].includes(error.type)) return "validation";
  if (error.type === "InternalServerError") return "generation";
  if (error.type === "ServiceUnavailableError") return "healthcheck";
  return error.type;
}

function pathPart(part: string): string | number {
  return /^\d+$/.test(part) ? Number(part) : part;
}

/**
 * The answer when every slot is busy and the waiting line is full, in the route's dialect: vLLM and
 * OpenAI-style routes 503 (as vLLM answers on its admission limits), TGI 429 `overloaded` (its own
 * word), DEVUP 429 (DeepInfra's rate-limit status). Sent with `Retry-After`, which logprob-lab's
 * client and the openai SDK honour.
 *
 * @example
 * sendJson(res, error.status, errorJson("tgi", overloadedError("tgi", 2, 256)), { "retry-after": "1" });
 */
export function overloadedError(dialect: ErrorDialect, active: number, queued: number): ApiError {
  if (dialect === "tgi") return new ApiError(429, "Model is overloaded", null, "overloaded");
  const message = `The server is busy: ${active} requests are being computed and ${queued} are waiting, which is its limit. Retry after the time in the Retry-After header.`;
  return new ApiError(dialect === "devup" ? 429 : 503, message, null, "ServiceUnavailableError");
}

/**
 * The answer to a request that arrives on an open connection after `close()` began.
 *
 * @example
 * sendJson(res, 503, errorJson("openai", shuttingDownError()), { connection: "close" });
 */
export function shuttingDownError(): ApiError {
  return new ApiError(
    503,
    "The server is shutting down and takes no new requests; send the request to another server or retry later.",
    null,
    "ServiceUnavailableError",
  );
}
