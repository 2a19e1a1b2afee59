import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { chatRequestSchema } from "../providers/chat-request-schema.js";
import { devupRequestSchema } from "../providers/devup-request-schema.js";
import { tgiGenerateRequestSchema } from "../providers/tgi-request-schema.js";
import {
  completionRequestSchema,
  detokenizeRequestSchema,
  tokenizeRequestSchema,
} from "../providers/vllm-schema.js";
import { ApiError, type ErrorDialect } from "./api-error.js";
import { chatResponse, planChat } from "./chat-completions.js";
import { streamChat } from "./chat-stream.js";
import { completionsResponse, planCompletion } from "./completions.js";
import { streamCompletions, VLLM_SSE } from "./completions-stream.js";
import { DEVUP_SSE, devupResponse, devupStream, planDevup } from "./devup-native.js";
import { embeddedEngine } from "./engine.js";
import type { Engine } from "./engine-types.js";
import { parseBody, readJson, sendError, sendJson } from "./http-io.js";
import { SseWriter } from "./sse-writer.js";
import { planTgi, type TgiPlan, tgiGenerateResponse } from "./tgi-generate.js";
import { TGI_SSE, tgiStream } from "./tgi-stream.js";

/** Options of `serve()`. @example await serve({ port: 8000, host: "127.0.0.1", apiKey: "secret" }) */
export interface ServeOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind (default 127.0.0.1, loopback only). */
  host?: string;
  /** When set, every route but `/health` requires `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Largest request body accepted, bytes (default 8 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** The model and tokenizer to serve (default: the embedded Kneser-Ney trigram model). */
  engine?: Engine;
  /** Let the process exit while the server is idle (used for the in-process server of `connect()`). */
  unref?: boolean;
}

/** A running embedded server. @example const { url, close } = await serve(); await close(); */
export interface EmbeddedServer {
  /** The OpenAI-style base URL, e.g. `http://127.0.0.1:8000/v1` (use it as `ACS_API_BASE`). */
  url: string;
  port: number;
  host: string;
  /** Stops accepting connections and resolves when in-flight requests are done. */
  close(): Promise<void>;
}

/**
 * Starts the embedded language model behind an HTTP server that speaks the dialects logprob-lab reads
 * (reference/wire-formats.md), streaming and not:
 * - vLLM: `POST /v1/completions` (prompt_logprobs, echo, legacy logprobs, return_token_ids, n, seed,
 *   stream), `POST /v1/chat/completions` (Llama 3 chat template, logprobs/top_logprobs, prompt_logprobs,
 *   stream), `POST /tokenize`, `POST /detokenize`, `GET /v1/models`, `GET /health`;
 * - TGI: `POST /generate`, `POST /generate_stream`, `POST /` (compat, `stream` flag);
 * - DEVUP / DeepInfra native: `POST /v1/inference/{model}`.
 * Binds 127.0.0.1 unless told otherwise.
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
    const path = routePath(req);
    const dialect = dialectOf(req.method, path);
    handle(engine, options.apiKey, maxBody, req, res, path, dialect).catch((error) =>
      sendError(res, error, dialect),
    );
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
        // In-flight requests finish; idle keep-alive sockets close now, and any socket still open
        // after a grace period (e.g. one a client opened and never used) is closed too.
        const grace = setTimeout(() => server.closeAllConnections(), 2000);
        grace.unref();
        server.close(() => {
          clearTimeout(grace);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

const DEVUP_PREFIX = "/v1/inference/";
const KNOWN_PATHS = [
  "/v1/completions",
  "/v1/chat/completions",
  "/tokenize",
  "/detokenize",
  "/v1/models",
  "/generate",
  "/generate_stream",
];

function routePath(req: IncomingMessage): string {
  const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
  return path.replace(/^\/v1(?=\/(tokenize|detokenize)$)/, "");
}

function dialectOf(method: string | undefined, path: string): ErrorDialect {
  if (path === "/generate" || path === "/generate_stream" || (path === "/" && method === "POST"))
    return "tgi";
  if (path.startsWith(DEVUP_PREFIX)) return "devup";
  return "openai";
}

async function handle(
  engine: Engine,
  apiKey: string | undefined,
  maxBody: number,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  dialect: ErrorDialect,
): Promise<void> {
  if (path === "/health") return sendJson(res, 200, "{}");
  if (apiKey !== undefined && !authorized(req.headers.authorization, apiKey)) {
    return sendJson(res, 401, JSON.stringify({ error: "Unauthorized" }));
  }
  const body = () => readJson(req, maxBody, dialect);
  if (path.startsWith(DEVUP_PREFIX) && path.length > DEVUP_PREFIX.length) {
    if (req.method !== "POST") return sendJson(res, 405, JSON.stringify({ detail: "Method Not Allowed" }));
    const plan = planDevup(engine, parseBody(devupRequestSchema, await body(), dialect));
    if (plan.request.stream) return devupStream(engine, plan, new SseWriter(res, DEVUP_SSE));
    return sendJson(res, 200, devupResponse(engine, plan));
  }
  switch (`${req.method} ${path}`) {
    case "GET /v1/models":
      return sendJson(res, 200, JSON.stringify(modelList()));
    case "POST /v1/completions": {
      const request = parseBody(completionRequestSchema, await body(), dialect);
      if (!request.stream) return sendJson(res, 200, completionsResponse(engine, request));
      return streamCompletions(engine, planCompletion(engine, request), new SseWriter(res, VLLM_SSE));
    }
    case "POST /v1/chat/completions": {
      const plan = planChat(engine, parseBody(chatRequestSchema, await body(), dialect));
      if (plan.request.stream) return streamChat(engine, plan, new SseWriter(res, VLLM_SSE));
      return sendJson(res, 200, chatResponse(engine, plan));
    }
    case "POST /generate":
    case "POST /generate_stream":
    case "POST /": {
      const request = parseBody(tgiGenerateRequestSchema, await body(), dialect);
      const stream = path === "/generate_stream" || (path === "/" && request.stream === true);
      if (!stream) return tgiGenerate(engine, res, planTgi(engine, request, false));
      // TGI validates inside the stream: its errors arrive as events after a 200.
      let plan: TgiPlan | ApiError;
      try {
        plan = planTgi(engine, request, true);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        plan = error;
      }
      return tgiStream(engine, plan, new SseWriter(res, TGI_SSE));
    }
    case "POST /tokenize": {
      const request = parseBody(tokenizeRequestSchema, await body(), dialect);
      const ids = engine.tokenizer.encode(request.prompt);
      const tokens = request.add_special_tokens === false ? ids : [engine.tokenizer.bos, ...ids];
      const tokenStrs = request.return_token_strs ? tokens.map((id) => engine.tokenizer.piece(id)) : null;
      const answer = {
        count: tokens.length,
        max_model_len: engine.maxModelLen,
        tokens,
        token_strs: tokenStrs,
      };
      return sendJson(res, 200, JSON.stringify(answer));
    }
    case "POST /detokenize": {
      const request = parseBody(detokenizeRequestSchema, await body(), dialect);
      const bad = request.tokens.find((id) => id >= engine.tokenizer.vocabSize);
      if (bad !== undefined) {
        const message = `Token id ${bad} is out of vocabulary (size ${engine.tokenizer.vocabSize}).`;
        throw new ApiError(400, message, "tokens");
      }
      return sendJson(res, 200, JSON.stringify({ prompt: engine.tokenizer.decode(request.tokens) }));
    }
    default:
      if (KNOWN_PATHS.includes(path) || path.startsWith(DEVUP_PREFIX)) {
        return sendJson(res, 405, JSON.stringify({ detail: "Method Not Allowed" }));
      }
      return sendJson(res, 404, JSON.stringify({ detail: "Not Found" }));
  }
}

/** `/generate`: the body plus TGI's timing and token-count headers. */
function tgiGenerate(engine: Engine, res: ServerResponse, plan: TgiPlan): void {
  const started = performance.now();
  const { body, generatedTokens } = tgiGenerateResponse(engine, plan);
  const elapsed = performance.now() - started;
  sendJson(res, 200, body, {
    "x-compute-type": "embedded",
    "x-compute-time": String(elapsed / 1000),
    "x-compute-characters": String([...plan.request.inputs].length),
    "x-total-time": String(Math.round(elapsed)),
    "x-prompt-tokens": String(plan.ids.length),
    "x-generated-tokens": String(generatedTokens),
  });
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
  const given = Buffer.from(match[1]!.trim());
  const expected = Buffer.from(apiKey);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
