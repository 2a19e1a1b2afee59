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
/** Labs whose open transport talks to `embedded`. */
let embeddedUsers = 0;

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
  /** Whether the open transport holds a reference to the shared embedded server. */
  let holdsEmbedded = false;
  let closing: Promise<void> = Promise.resolve();
  const endpoint: Endpoint = {
    provider: config.provider,
    transport() {
      if (transport) return transport;
      if (config.baseUrl) {
        transport = Promise.resolve(new Transport({ baseUrl: config.baseUrl, ...transportOptions }));
        return transport;
      }
      holdsEmbedded = true;
      const opening: Promise<Transport> = acquireEmbedded().then(
        (server) => new Transport({ baseUrl: server.url, ...transportOptions }),
        (error) => {
          // Nothing was opened: the next call tries again.
          if (transport === opening) {
            transport = undefined;
            holdsEmbedded = false;
            void releaseEmbedded();
          }
          throw error;
        },
      );
      transport = opening;
      return transport;
    },
    model() {
      model ??= resolveModel(config.model, config.provider, endpoint);
      return model;
    },
    async cacheScope() {
      return config.baseUrl ? undefined : `embedded:${embeddedEngine().model.checksum}`;
    },
    close() {
      const open = transport;
      const embeddedHeld = holdsEmbedded;
      transport = undefined;
      holdsEmbedded = false;
      // A second call while the first is still closing waits for the same work.
      if (open) closing = closeTransport(open, embeddedHeld);
      return closing;
    },
  };
  return new Lab(endpoint);
}

/**
 * The in-process embedded server shared by every `connect()` without an endpoint, started by the
 * first lab that needs it and stopped when the last lab using it closes.
 */
function acquireEmbedded(): Promise<EmbeddedServer> {
  embeddedUsers++;
  embedded ??= serve({ port: 0, unref: true }).catch((error) => {
    embedded = undefined;
    throw error;
  });
  return embedded;
}

/** Closes a lab's transport (once it has opened) and gives back its hold on the embedded server. */
async function closeTransport(open: Promise<Transport>, embeddedHeld: boolean): Promise<void> {
  const opened = await open.catch(() => undefined);
  await opened?.close();
  if (embeddedHeld) await releaseEmbedded();
}

/** Gives back a lab's reference to the embedded server; the last one stops it. */
async function releaseEmbedded(): Promise<void> {
  embeddedUsers--;
  if (embeddedUsers > 0 || embedded === undefined) return;
  const server = embedded;
  embedded = undefined;
  await (await server.catch(() => undefined))?.close();
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
