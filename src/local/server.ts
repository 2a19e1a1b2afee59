import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { z } from "zod";
import {
  completionRequestSchema,
  detokenizeRequestSchema,
  tokenizeRequestSchema,
} from "../providers/vllm-schema.js";
import { ApiError, completionsResponse, type Engine } from "./completions.js";
import { embeddedEngine } from "./engine.js";

export interface ServeOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind (default 127.0.0.1, loopback only). */
  host?: string;
  /** When set, every `/v1` route and the tokenizer routes require `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Largest request body accepted, bytes (default 8 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** The model and tokenizer to serve (default: the embedded Kneser-Ney trigram model). */
  engine?: Engine;
  /** Let the process exit while the server is idle (used for the in-process server of `connect()`). */
  unref?: boolean;
}

/** A running embedded server. */
export interface EmbeddedServer {
  /** The OpenAI-style base URL, e.g. `http://127.0.0.1:8000/v1` (use it as `ACS_API_BASE`). */
  url: string;
  port: number;
  host: string;
  /** Stops accepting connections and resolves when in-flight requests are done. */
  close(): Promise<void>;
}

/**
 * Starts the embedded language model behind a vLLM-compatible HTTP server: `POST /v1/completions`
 * (prompt_logprobs, echo, legacy logprobs, return_token_ids, n, seed), `POST /tokenize`,
 * `POST /detokenize`, `GET /v1/models`, `GET /health`. Binds 127.0.0.1 unless told otherwise.
 *
 * @example
 * const server = await serve({ port: 0 });
 * const lab = connect({ baseUrl: server.url });
 * await server.close();
 */
export async function serve(options: ServeOptions = {}): Promise<EmbeddedServer> {
  const engine = options.engine ?? embeddedEngine();
  const host = options.host ?? "127.0.0.1";
  const maxBody = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const server = createServer((req, res) => {
    handle(engine, options.apiKey, maxBody, req, res).catch((error) => sendError(res, error));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  if (options.unref) {
    // Idle keep-alive connections must not hold the process open either.
    server.unref();
    server.on("connection", (socket) => socket.unref());
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  return {
    url: `http://${urlHost}:${port}/v1`,
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function handle(
  engine: Engine,
  apiKey: string | undefined,
  maxBody: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
  if (path === "/health") return send(res, 200, "{}");
  if (apiKey !== undefined && !authorized(req.headers.authorization, apiKey)) {
    return send(res, 401, JSON.stringify({ error: "Unauthorized" }));
  }
  const route = `${req.method} ${path.replace(/^\/v1(?=\/(tokenize|detokenize)$)/, "")}`;
  switch (route) {
    case "GET /v1/models":
      return send(res, 200, JSON.stringify(modelList()));
    case "POST /v1/completions": {
      const request = parse(completionRequestSchema, await readJson(req, maxBody));
      return send(res, 200, completionsResponse(engine, request));
    }
    case "POST /tokenize": {
      const request = parse(tokenizeRequestSchema, await readJson(req, maxBody));
      const ids = engine.tokenizer.encode(request.prompt);
      const tokens = request.add_special_tokens === false ? ids : [engine.tokenizer.bos, ...ids];
      const tokenStrs = request.return_token_strs ? tokens.map((id) => engine.tokenizer.piece(id)) : null;
      return send(
        res,
        200,
        JSON.stringify({
          count: tokens.length,
          max_model_len: engine.maxModelLen,
          tokens,
          token_strs: tokenStrs,
        }),
      );
    }
    case "POST /detokenize": {
      const request = parse(detokenizeRequestSchema, await readJson(req, maxBody));
      const bad = request.tokens.find((id) => id >= engine.tokenizer.vocabSize);
      if (bad !== undefined)
        throw new ApiError(
          400,
          `Token id ${bad} is out of vocabulary (size ${engine.tokenizer.vocabSize}).`,
          "tokens",
        );
      return send(res, 200, JSON.stringify({ prompt: engine.tokenizer.decode(request.tokens) }));
    }
    default:
      if (
        ["/v1/completions", "/tokenize", "/detokenize", "/v1/models"].some((p) => route.endsWith(` ${p}`))
      ) {
        return send(res, 405, JSON.stringify({ detail: "Method Not Allowed" }));
      }
      return send(res, 404, JSON.stringify({ detail: "Not Found" }));
  }
}

function modelList() {
  return {
    object: "list",
    data: [
      {
        id: "logprob-lab-embedded",
        object: "model",
        created: 0,
        owned_by: "logprob-lab",
        root: "logprob-lab-embedded",
        parent: null,
        max_model_len: 8192,
      },
    ],
  };
}

/** Constant-time comparison, so response timing does not reveal how much of a key matched. */
function authorized(header: string | undefined, apiKey: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? "");
  if (!match) return false;
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(apiKey);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readJson(req: IncomingMessage, maxBody: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBody) throw new ApiError(413, `Request body is larger than ${maxBody} bytes.`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new ApiError(400, `Request body is not valid JSON: ${(error as Error).message}`);
  }
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue.path.map(String).join(".") || null;
  throw new ApiError(
    400,
    `Invalid request${param ? ` parameter \`${param}\`` : ""}: ${issue.message}`,
    param,
  );
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, error: unknown): void {
  const api =
    error instanceof ApiError
      ? error
      : new ApiError(500, `Internal error: ${(error as Error)?.message ?? error}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = { error: { message: api.message, type: api.type, param: api.param, code: api.status } };
  send(res, api.status, JSON.stringify(body));
}
