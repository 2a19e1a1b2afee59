import { UsageError } from "../errors.js";
import { Transport } from "../http/transport.js";
import { embeddedEngine } from "../local/engine.js";
import { type EmbeddedServer, serve } from "../local/server.js";
import { type Provider, resolveEndpoint } from "./endpoint-config.js";
import { type Endpoint, Lab } from "./lab.js";

export interface ConnectOptions {
  /** Base URL, e.g. `https://host/v1`. Default: from the environment, else the embedded model. */
  baseUrl?: string;
  /** Bearer key. Default: the matching `*_API_KEY`. Never logged or put in errors. */
  apiKey?: string;
  /** Model name. Default: `ACS_MODEL` / `DEVUP_MODEL` / `OPENAI_MODEL`, else what the server lists. */
  model?: string;
  /** Dialect: "vllm" (default), "openai", "tgi", "devup", "llamacpp" or "ollama"; detected when omitted. */
  provider?: Provider;
  /** Deadline per attempt (and idle time within a stream) in ms (default 120000). */
  timeoutMs?: number;
  /** Retries on 408/409/429/5xx and dropped connections (default 2). */
  maxRetries?: number;
}

let embedded: Promise<EmbeddedServer> | undefined;

/**
 * Connects to a logprob server: the one named by the options or by the environment
 * (`ACS_API_BASE`/`ACS_API_KEY`, `DEVUP_API_BASE`/`DEVUP_API_KEY`, `OPENAI_BASE_URL`/`OPENAI_API_KEY`),
 * or — with nothing configured — the embedded language model, started in-process on 127.0.0.1 on
 * first use. Nothing is sent until the first request.
 *
 * @example
 * const lab = connect();                                   // embedded model, offline
 * const acs = connect({ baseUrl: "https://host/v1", apiKey: process.env.KEY, model: "llama-8b" });
 * const tgi = connect({ baseUrl: "http://127.0.0.1:3000", provider: "tgi" });
 */
export function connect(options: ConnectOptions = {}): Lab {
  checkOptions(options);
  const config = resolveEndpoint(options, process.env);
  const transportOptions = {
    apiKey: config.apiKey,
    timeoutMs: options.timeoutMs,
    maxRetries: options.maxRetries,
  };
  let transport: Promise<Transport> | undefined;
  let model: Promise<string> | undefined;
  const endpoint: Endpoint = {
    provider: config.provider,
    transport() {
      transport ??= config.baseUrl
        ? Promise.resolve(new Transport({ baseUrl: config.baseUrl, ...transportOptions }))
        : embeddedServer().then((server) => new Transport({ baseUrl: server.url, ...transportOptions }));
      return transport;
    },
    model() {
      model ??= resolveModel(config.model, config.provider, endpoint);
      return model;
    },
    async cacheScope() {
      return config.baseUrl ? undefined : `embedded:${embeddedEngine().model.checksum}`;
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

async function resolveModel(
  given: string | undefined,
  provider: Provider,
  endpoint: Endpoint,
): Promise<string> {
  if (given) return given;
  const http = await endpoint.transport();
  const listed = async (path: string, root: boolean, pick: (body: any) => unknown) => {
    try {
      const id = pick(await http.getJson(path, { root }));
      return typeof id === "string" && id ? id : undefined;
    } catch {
      return undefined;
    }
  };
  const found =
    provider === "tgi"
      ? await listed("/info", true, (b) => b?.model_id)
      : provider === "ollama" || provider === "devup"
        ? undefined
        : await listed(
            provider === "llamacpp" ? "/v1/models" : "/models",
            provider === "llamacpp",
            (b) => b?.data?.[0]?.id,
          );
  if (found) return found;
  // The seed's hosted API has no /models: its model name is the documented default.
  if (provider === "vllm") return "llama-8b";
  if (provider === "tgi" || provider === "llamacpp") return "default";
  throw new UsageError(
    `the ${provider} endpoint needs a model name: pass connect({ model }) or set the *_MODEL variable`,
  );
}

function checkOptions(options: ConnectOptions): void {
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
