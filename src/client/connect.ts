import { UsageError } from "../errors.js";
import { Transport } from "../http/transport.js";
import { type EmbeddedServer, serve } from "../local/server.js";
import { type Endpoint, Lab } from "./lab.js";

export interface ConnectOptions {
  /** OpenAI-style base URL, e.g. `https://host/v1`. Default: `ACS_API_BASE`, else the embedded model. */
  baseUrl?: string;
  /** Bearer key. Default: `ACS_API_KEY`. Never logged or put in errors. */
  apiKey?: string;
  /** Model name. Default: `ACS_MODEL`, else the first model the server lists, else `llama-8b`. */
  model?: string;
  /** Dialect; only "vllm" (OpenAI-compatible completions with prompt_logprobs) so far. */
  provider?: "vllm";
  /** Deadline per attempt in ms (default 120000). */
  timeoutMs?: number;
  /** Retries on 408/409/429/5xx and dropped connections (default 2). */
  maxRetries?: number;
}

let embedded: Promise<EmbeddedServer> | undefined;

/**
 * Connects to a logprob server: the one named by the options or by `ACS_API_BASE` / `ACS_API_KEY`,
 * or — with no endpoint configured — the embedded language model, started in-process on 127.0.0.1
 * on first use. Nothing is sent until the first request.
 *
 * @example
 * const lab = connect();                                   // embedded model, offline
 * const acs = connect({ baseUrl: "https://host/v1", apiKey: process.env.KEY, model: "llama-8b" });
 */
export function connect(options: ConnectOptions = {}): Lab {
  checkOptions(options);
  const baseUrl = options.baseUrl ?? nonEmpty(process.env.ACS_API_BASE);
  if (baseUrl !== undefined && !/^https?:\/\/[^/\s]+/i.test(baseUrl)) {
    const from = options.baseUrl === undefined ? "ACS_API_BASE" : "baseUrl";
    throw new UsageError(
      `${from} must be an http(s) URL such as https://host/v1; got ${JSON.stringify(baseUrl)}`,
    );
  }
  const apiKey = options.apiKey ?? nonEmpty(process.env.ACS_API_KEY);
  const transportOptions = { apiKey, timeoutMs: options.timeoutMs, maxRetries: options.maxRetries };
  let transport: Promise<Transport> | undefined;
  let model: Promise<string> | undefined;
  const endpoint: Endpoint = {
    transport() {
      transport ??= baseUrl
        ? Promise.resolve(new Transport({ baseUrl, ...transportOptions }))
        : embeddedServer().then((server) => new Transport({ baseUrl: server.url, ...transportOptions }));
      return transport;
    },
    model() {
      model ??= resolveModel(options.model ?? nonEmpty(process.env.ACS_MODEL), endpoint);
      return model;
    },
  };
  return new Lab(endpoint);
}

/** The in-process embedded server shared by every `connect()` without an endpoint. */
function embeddedServer(): Promise<EmbeddedServer> {
  embedded ??= serve({ port: 0, unref: true }).catch((error) => {
    embedded = undefined;
    throw error;
  });
  return embedded;
}

async function resolveModel(given: string | undefined, endpoint: Endpoint): Promise<string> {
  if (given) return given;
  try {
    const list = (await (await endpoint.transport()).getJson("/models")) as { data?: { id?: unknown }[] };
    const id = list?.data?.[0]?.id;
    if (typeof id === "string" && id) return id;
  } catch {
    // Some hosted wrappers have no /models; fall back to the seed API's model name.
  }
  return "llama-8b";
}

function checkOptions(options: ConnectOptions): void {
  if (options.provider !== undefined && options.provider !== "vllm") {
    throw new UsageError(`provider ${JSON.stringify(options.provider)} is not supported yet; use "vllm".`);
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new UsageError(`timeoutMs must be a positive number of milliseconds; got ${options.timeoutMs}`);
  }
  if (
    options.maxRetries !== undefined &&
    !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)
  ) {
    throw new UsageError(`maxRetries must be a whole number ≥ 0; got ${options.maxRetries}`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value?.trim() ? value.trim() : undefined;
}
