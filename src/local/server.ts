import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { UsageError } from "../errors.js";
import { chatRequestSchema } from "../providers/chat-request-schema.js";
import { devupRequestSchema } from "../providers/devup-request-schema.js";
import { tgiGenerateRequestSchema } from "../providers/tgi-request-schema.js";
import {
  completionRequestSchema,
  detokenizeRequestSchema,
  tokenizeRequestSchema,
} from "../providers/vllm-schema.js";
import { ApiError, type ErrorDialect, overloadedError, shuttingDownError } from "./api-error.js";
import { chatBody, planChat } from "./chat-completions.js";
import { streamChat } from "./chat-stream.js";
import { completionsBody, planCompletion } from "./completions.js";
import { streamCompletions, VLLM_SSE } from "./completions-stream.js";
import { DEVUP_SSE, devupResponse, devupStream, planDevup } from "./devup-native.js";
import { embeddedEngine } from "./engine.js";
import type { Engine } from "./engine-types.js";
import { parseBody, readJson, sendError, sendJson } from "./http-io.js";
import { RequestGate } from "./request-gate.js";
import { type SseFraming, SseWriter } from "./sse-writer.js";
import { planTgi, type TgiPlan, tgiGenerateResponse } from "./tgi-generate.js";
import { TGI_SSE, tgiStream } from "./tgi-stream.js";
import { checkSamplingParams } from "./vllm-sampling.js";

/** Options of `serve()`. @example await serve({ port: 8000, host: "127.0.0.1", apiKey: "secret" }) */
export interface ServeOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /**
   * Interface to bind (default 127.0.0.1, loopback only). Any other address without `apiKey` works
   * but prints a warning to stderr: anyone who can reach the port can use the server.
   */
  host?: string;
  /** When set, every route but `/health` requires `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Largest request body accepted, bytes (default 8 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /**
   * Requests computed at once (default 2). The model is CPU-bound on one thread, so more slots do
   * not add throughput; two let a short request run beside a long stream. A stream holds its slot
   * until it ends.
   */
  maxConcurrency?: number;
  /**
   * Requests waiting for a slot, in arrival order (default 256); beyond it the server answers 503
   * (TGI and DEVUP routes: 429) with `Retry-After` instead of holding more requests in memory.
   */
  maxQueue?: number;
  /**
   * How long `close()` lets streams in progress run before ending them with an error event in their
   * dialect (default 5000 ms). Non-streaming requests always finish.
   */
  shutdownGraceMs?: number;
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
  /**
   * Graceful shutdown: stops accepting connections at once (new ones are refused), answers 503 to
   * new requests on open connections, lets requests in flight finish with complete answers (streams
   * for up to `shutdownGraceMs`, then ended with an error event), closes idle keep-alive
   * connections, and resolves when every connection is closed. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

/** After the streams were told to stop, how long sockets may take to flush before they are cut. */
const FLUSH_MS = 2000;

/** What the request handlers share: the engine, the limits and the shutdown state. */
interface ServerState {
  engine: Engine;
  keyDigest: Buffer | undefined;
  maxBody: number;
  gate: RequestGate;
  closing: boolean;
  streamsStopped: boolean;
  streams: Set<SseWriter>;
  /** Responses not yet finished: told to close their connection when shutdown begins. */
  inFlight: Set<ServerResponse>;
}

/**
 * Starts the embedded language model behind an HTTP server that speaks the dialects logprob-lab reads
 * (reference/wire-formats.md), streaming and not:
 * - vLLM: `POST /v1/completions` (prompt_logprobs, echo, legacy logprobs, return_token_ids, n, seed,
 *   stream), `POST /v1/chat/completions` (Llama 3 chat template, logprobs/top_logprobs, prompt_logprobs,
 *   stream), `POST /tokenize`, `POST /detokenize`, `GET /v1/models`, `GET /health`, `GET /metrics`
 *   (running and waiting requests);
 * - TGI: `POST /generate`, `POST /generate_stream`, `POST /` (compat, `stream` flag);
 * - DEVUP / DeepInfra native: `POST /v1/inference/{model}`.
 * Binds 127.0.0.1 unless told otherwise. Bodies are limited (413), work is admitted through a
 * bounded gate (503/429 with Retry-After when full), and `close()` drains in-flight requests.
 *
 * @example
 * const server = await serve({ port: 0 });
 * const lab = connect({ baseUrl: server.url });
 * await server.close();
 */
export async function serve(options: ServeOptions = {}): Promise<EmbeddedServer> {
  const host = options.host ?? "127.0.0.1";
  const maxConcurrency = options.maxConcurrency ?? 2;
  const maxQueue = options.maxQueue ?? 256;
  const graceMs = options.shutdownGraceMs ?? 5000;
  checkLimit("maxConcurrency", maxConcurrency, 1);
  checkLimit("maxQueue", maxQueue, 0);
  checkLimit("shutdownGraceMs", graceMs, 0);
  checkLimit("maxBodyBytes", options.maxBodyBytes ?? 1, 1);
  if (options.apiKey === "")
    throw new UsageError("serve({ apiKey }) must not be empty; omit it to serve without a key.");
  const state: ServerState = {
    engine: options.engine ?? embeddedEngine(),
    keyDigest: options.apiKey === undefined ? undefined : digest(options.apiKey),
    maxBody: options.maxBodyBytes ?? 8 * 1024 * 1024,
    gate: new RequestGate(maxConcurrency, maxQueue),
    closing: false,
    streamsStopped: false,
    streams: new Set(),
    inFlight: new Set(),
  };
  const server = createServer((req, res) => {
    const path = routePath(req);
    const dialect = dialectOf(req.method, path);
    // While closing, every answer closes its connection, and a connection that turns idle is closed.
    if (state.closing) res.setHeader("connection", "close");
    state.inFlight.add(res);
    res.once("close", () => {
      state.inFlight.delete(res);
      if (state.closing) setImmediate(() => server.closeIdleConnections());
    });
    admit(state, req, res, path, dialect).catch((error) => sendError(res, error, dialect));
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
  if (options.apiKey === undefined && !isLoopback(host)) {
    process.stderr.write(
      `logprob-lab: warning: serving on ${host} without an API key: anyone who can reach this port can use the model. Pass --api-key (serve({ apiKey })) or bind 127.0.0.1.\n`,
    );
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/v1`,
    port,
    host,
    close: () => {
      closed ??= shutDown(server, state, graceMs);
      return closed;
    },
  };
}

/** Stops listening, lets in-flight requests finish (streams for `graceMs`), then resolves once every connection is closed. */
function shutDown(
  server: ReturnType<typeof createServer>,
  state: ServerState,
  graceMs: number,
): Promise<void> {
  state.closing = true;
  for (const res of state.inFlight) if (!res.headersSent) res.setHeader("connection", "close");
  return new Promise<void>((resolve) => {
    let flush: NodeJS.Timeout | undefined;
    const grace = setTimeout(() => {
      state.streamsStopped = true;
      for (const stream of state.streams) stream.stop();
      // A client that stopped reading, or one still sending a body, must not hold shutdown open.
      flush = setTimeout(() => server.closeAllConnections(), FLUSH_MS);
    }, graceMs);
    server.close(() => {
      clearTimeout(grace);
      clearTimeout(flush);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function checkLimit(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`serve({ ${name} }) must be an integer >= ${min}, got ${value}.`);
  }
}

const DEVUP_PREFIX = "/v1/inference/";
/** Routes that read a body and compute: they go through the gate. */
const COMPUTE_PATHS = [
  "/v1/completions",
  "/v1/chat/completions",
  "/tokenize",
  "/detokenize",
  "/generate",
  "/generate_stream",
];
const KNOWN_PATHS = [...COMPUTE_PATHS, "/v1/models", "/metrics"];

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

function computes(method: string | undefined, path: string): boolean {
  return method === "POST" && (COMPUTE_PATHS.includes(path) || path === "/" || path.startsWith(DEVUP_PREFIX));
}

/**
 * Health, the key, shutdown, then the gate: a computing route waits for a slot before its body is
 * read, so waiting requests hold no body in memory, and leaves the line if its client goes away.
 */
async function admit(
  state: ServerState,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  dialect: ErrorDialect,
): Promise<void> {
  if (path === "/health") return sendJson(res, 200, "{}");
  if (state.keyDigest !== undefined && !authorized(req.headers.authorization, state.keyDigest)) {
    return sendJson(res, 401, JSON.stringify({ error: "Unauthorized" }));
  }
  if (state.closing) return sendError(res, shuttingDownError(), dialect, { "retry-after": "1" });
  if (!computes(req.method, path)) return route(state, req, res, path, dialect);
  const gone = new AbortController();
  res.once("close", () => gone.abort());
  const admitted = state.gate.enter(gone.signal);
  if (!admitted) {
    const busy = overloadedError(dialect, state.gate.active, state.gate.queued);
    return sendError(res, busy, dialect, { "retry-after": "1" });
  }
  let release: () => void;
  try {
    release = await admitted;
  } catch {
    return; // The client left while waiting; nobody is there to answer.
  }
  try {
    await route(state, req, res, path, dialect);
  } finally {
    release();
  }
}

async function route(
  state: ServerState,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  dialect: ErrorDialect,
): Promise<void> {
  const { engine } = state;
  const body = () => readJson(req, state.maxBody, dialect);
  const sse = (framing: SseFraming) => openStream(state, res, framing);
  if (path.startsWith(DEVUP_PREFIX) && path.length > DEVUP_PREFIX.length) {
    if (req.method !== "POST") return sendJson(res, 405, JSON.stringify({ detail: "Method Not Allowed" }));
    const plan = planDevup(engine, parseBody(devupRequestSchema, await body(), dialect));
    if (plan.request.stream) return devupStream(engine, plan, sse(DEVUP_SSE));
    return sendJson(res, 200, devupResponse(engine, plan));
  }
  switch (`${req.method} ${path}`) {
    case "GET /v1/models":
      return sendJson(res, 200, JSON.stringify(modelList(engine)));
    case "GET /metrics":
      return sendMetrics(res, state.gate);
    case "POST /v1/completions": {
      const raw = await body();
      checkSamplingParams(raw);
      const request = parseBody(completionRequestSchema, raw, dialect);
      if (!request.stream) return sendJson(res, 200, completionsBody(engine, request));
      return streamCompletions(engine, planCompletion(engine, request), sse(VLLM_SSE));
    }
    case "POST /v1/chat/completions": {
      const raw = await body();
      checkSamplingParams(raw);
      const plan = planChat(engine, parseBody(chatRequestSchema, raw, dialect));
      if (plan.request.stream) return streamChat(engine, plan, sse(VLLM_SSE));
      return sendJson(res, 200, chatBody(engine, plan));
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
      return tgiStream(engine, plan, sse(TGI_SSE));
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

/** A stream the server can stop at shutdown; one that starts after the grace period stops at once. */
function openStream(state: ServerState, res: ServerResponse, framing: SseFraming): SseWriter {
  const stream = new SseWriter(res, framing);
  state.streams.add(stream);
  res.once("close", () => state.streams.delete(stream));
  if (state.streamsStopped) stream.stop();
  return stream;
}

/**
 * `GET /metrics`: vLLM's two admission gauges in the Prometheus text format, so operators (and
 * tests) can see how many requests hold a slot and how many wait.
 */
function sendMetrics(res: ServerResponse, gate: RequestGate): void {
  const label = '{model_name="logprob-lab-embedded"}';
  const body = [
    "# HELP vllm:num_requests_running Number of requests being computed (holding a slot).",
    "# TYPE vllm:num_requests_running gauge",
    `vllm:num_requests_running${label} ${gate.active.toFixed(1)}`,
    "# HELP vllm:num_requests_waiting Number of requests waiting for a slot.",
    "# TYPE vllm:num_requests_waiting gauge",
    `vllm:num_requests_waiting${label} ${gate.queued.toFixed(1)}`,
    "",
  ].join("\n");
  res.writeHead(200, {
    "content-type": "text/plain; version=0.0.4; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
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

function modelList(engine: Engine) {
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
        max_model_len: engine.maxModelLen,
      },
    ],
  };
}

/** A key's SHA-256: equal-length digests let the comparison take the same time whatever the key's length. */
function digest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/**
 * Constant-time check of `Authorization: Bearer <key>`: the digests of the given and the expected key
 * are compared with `timingSafeEqual`, so neither how much of the key matched nor its length shows
 * in the response time. A missing or malformed header is compared too (as an empty key), then refused.
 */
function authorized(header: string | undefined, keyDigest: Buffer): boolean {
  const match = /^Bearer[ \t]+(.+)$/i.exec(header ?? "");
  const same = timingSafeEqual(digest(match ? match[1]!.trim() : ""), keyDigest);
  return same && match !== null;
}

/** 127.0.0.0/8, ::1 and localhost (also IPv4-mapped): addresses only this machine can reach. */
function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h);
}
