import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { ApiError, type ErrorDialect, errorJson } from "./api-error.js";
import { BodyBuffers } from "./body-buffers.js";

/**
 * Reads a request body of at most `maxBody` bytes and parses it as JSON. Too large (declared by
 * Content-Length or found while reading) → 413; the rest of the body is then read and dropped, up
 * to `maxBody` more bytes, so the client sees the 413 instead of a reset connection (beyond that
 * the connection is cut). Not JSON → the dialect's status (vLLM 400, TGI/axum 400, DEVUP/FastAPI 422).
 *
 * @example
 * const body = await readJson(req, 8 * 1024 * 1024, "openai");
 */
export async function readJson(
  req: IncomingMessage,
  maxBody: number,
  dialect: ErrorDialect,
): Promise<unknown> {
  const text = await readBody(req, maxBody);
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message;
    if (dialect === "tgi") throw new ApiError(400, `Failed to parse the request body as JSON: ${reason}`);
    if (dialect === "devup") throw new ApiError(422, `JSON decode error: ${reason}`);
    throw new ApiError(400, `Request body is not valid JSON: ${reason}`);
  }
}

function readBody(req: IncomingMessage, maxBody: number): Promise<string> {
  const tooLarge = () =>
    new ApiError(
      413,
      `Request body is larger than ${maxBody} bytes; send a smaller body (the server's limit is maxBodyBytes).`,
    );
  const declared = Number(req.headers["content-length"]);
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = () => {
      refused = true;
      chunks.length = 0;
      req.off("end", onEnd);
      reject(tooLarge());
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (refused) {
        if (size > 2 * maxBody) req.socket.destroy();
        return;
      }
      if (size > maxBody) return refuse();
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString("utf8"));
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", reject);
    req.once("close", () => {
      if (!req.complete)
        reject(new ApiError(400, "The client closed the connection before sending the whole body."));
    });
    if (Number.isFinite(declared) && declared > maxBody) refuse();
  });
}

/**
 * Validates a parsed body against a request schema; the first issue becomes the dialect's
 * validation error (vLLM 400 naming the parameter, TGI 422 "Failed to deserialize…", DEVUP 422 detail).
 *
 * @example
 * const request = parseBody(chatRequestSchema, body, "openai");
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, dialect: ErrorDialect): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue.path.map(String).join(".") || null;
  if (dialect === "tgi") {
    throw new ApiError(
      422,
      `Failed to deserialize the JSON body into the target type: ${param ? `${param}: ` : ""}${issue.message}`,
      param,
      "validation",
    );
  }
  if (dialect === "devup") {
    const { msg, type } = pydanticIssue(issue);
    throw new ApiError(422, msg, param, type);
  }
  throw new ApiError(
    400,
    `Invalid request${param ? ` parameter \`${param}\`` : ""}: ${issue.message}`,
    param,
  );
}

/** A zod issue in pydantic v1's words (what DeepInfra's FastAPI answers in `detail[].msg` / `type`). */
function pydanticIssue(issue: z.core.$ZodIssue): { msg: string; type: string } {
  if (issue.code === "invalid_type") {
    if (issue.message.endsWith("received undefined"))
      return { msg: "field required", type: "value_error.missing" };
    const expected = String(issue.expected);
    const name = expected === "int" ? "integer" : expected === "number" ? "float" : expected;
    return { msg: `value is not a valid ${name}`, type: `type_error.${name}` };
  }
  if ((issue.code === "too_small" || issue.code === "too_big") && issue.origin === "number") {
    const small = issue.code === "too_small";
    const limit = small ? issue.minimum : issue.maximum;
    const words = `${small ? "greater" : "less"} than${issue.inclusive ? " or equal to" : ""}`;
    const code = `${small ? "g" : "l"}${issue.inclusive ? "e" : "t"}`;
    return { msg: `ensure this value is ${words} ${limit}`, type: `value_error.number.not_${code}` };
  }
  if (issue.code === "too_big" && issue.origin === "array") {
    return {
      msg: `ensure this value has at most ${issue.maximum} items`,
      type: "value_error.list.max_items",
    };
  }
  return { msg: issue.message, type: "value_error" };
}

/**
 * Sends a complete JSON body with its length: one string, or pieces of JSON text in order (a
 * large answer is never joined into one string: see `completionsBody`). A large body's bytes go
 * through a buffer lent for the response (`BodyBuffers`).
 *
 * @example
 * sendJson(res, 200, '{"ok":true}');
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: string | readonly string[],
  headers: Record<string, string> = {},
): void {
  const pieces = typeof body === "string" ? [body] : body;
  let length = 0;
  for (const piece of pieces) length += Buffer.byteLength(piece);
  res.writeHead(status, { "content-type": "application/json", "content-length": length, ...headers });
  if (length < LARGE_BODY) {
    res.end(typeof body === "string" ? body : body.join(""));
    return;
  }
  const buffer = bodyBuffers.take(length);
  let at = 0;
  for (const piece of pieces) at += buffer.write(piece, at, "utf8");
  res.once("close", () => bodyBuffers.give(buffer));
  res.end(buffer.subarray(0, length));
}

/** Bodies from this size (bytes) are sent from a lent buffer; smaller ones as strings. */
const LARGE_BODY = 64 * 1024;
const bodyBuffers = new BodyBuffers();

/**
 * Answers with an error in the route's dialect (plus `headers`, e.g. Retry-After); when a stream has
 * already started, the connection is cut instead (the stream writers report their own errors as
 * events before that).
 *
 * @example
 * handler().catch((error) => sendError(res, error, "tgi"));
 */
export function sendError(
  res: ServerResponse,
  error: unknown,
  dialect: ErrorDialect,
  headers: Record<string, string> = {},
): void {
  const api =
    error instanceof ApiError
      ? error
      : new ApiError(500, `Internal error: ${(error as Error)?.message ?? String(error)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, api.status, errorJson(dialect, api), headers);
}
