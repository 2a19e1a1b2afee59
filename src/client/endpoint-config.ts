import { UsageError } from "../errors.js";

/** The server dialects a `Lab` can talk to. */
export type Provider = "vllm" | "openai" | "tgi" | "devup" | "llamacpp" | "ollama";

export const PROVIDERS: readonly Provider[] = ["vllm", "openai", "tgi", "devup", "llamacpp", "ollama"];

/** Where requests go, as resolved from options and the environment. */
export interface EndpointConfig {
  provider: Provider;
  /** undefined: the embedded model, started in-process. */
  baseUrl: string | undefined;
  apiKey: string | undefined;
  model: string | undefined;
  /** Which variables configured it, for messages. */
  source: string;
}

interface Family {
  provider: Provider;
  base: string;
  key: string;
  model: string;
  /** Base URL when only the key is set. */
  defaultBase?: string;
}

// The environment variable families, in the order they are looked at when nothing is explicit.
const FAMILIES: Family[] = [
  { provider: "vllm", base: "ACS_API_BASE", key: "ACS_API_KEY", model: "ACS_MODEL" },
  {
    provider: "devup",
    base: "DEVUP_API_BASE",
    key: "DEVUP_API_KEY",
    model: "DEVUP_MODEL",
    defaultBase: "https://api.devupai.com",
  },
  {
    provider: "openai",
    base: "OPENAI_BASE_URL",
    key: "OPENAI_API_KEY",
    model: "OPENAI_MODEL",
    defaultBase: "https://api.openai.com/v1",
  },
];

/**
 * Resolves provider, base URL, key and model: explicit options first, then the environment
 * (`ACS_API_BASE`/`ACS_API_KEY`/`ACS_MODEL`, `DEVUP_API_BASE`/`DEVUP_API_KEY`/`DEVUP_MODEL`,
 * `OPENAI_BASE_URL`/`OPENAI_API_KEY`/`OPENAI_MODEL`), then the embedded model. Without an explicit
 * provider it is detected from the variables used or the URL (`/v1/inference` → devup, port 11434
 * or `/api` → ollama, api.openai.com → openai), else vLLM-style OpenAI-compatible.
 *
 * @example
 * resolveEndpoint({ baseUrl: "http://127.0.0.1:11434" }, {}).provider // "ollama"
 */
export function resolveEndpoint(
  options: { baseUrl?: string; apiKey?: string; model?: string; provider?: Provider },
  env: Record<string, string | undefined>,
): EndpointConfig {
  const value = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  if (options.provider !== undefined && !PROVIDERS.includes(options.provider)) {
    throw new UsageError(
      `provider ${JSON.stringify(options.provider)} is not one of ${PROVIDERS.join(", ")}`,
    );
  }
  const families = options.provider ? FAMILIES.filter((f) => f.provider === options.provider) : FAMILIES;
  const family = options.baseUrl
    ? families.find((f) => f.provider === (options.provider ?? detectProvider(options.baseUrl!)))
    : families.find((f) => value(f.base) || value(f.key));
  const baseUrl = options.baseUrl ?? (family ? (value(family.base) ?? family.defaultBase) : undefined);
  if (baseUrl !== undefined && !/^https?:\/\/[^/\s]+/i.test(baseUrl)) {
    const from = options.baseUrl === undefined && family ? family.base : "baseUrl";
    throw new UsageError(
      `${from} must be an http(s) URL such as https://host/v1; got ${JSON.stringify(baseUrl)}`,
    );
  }
  const provider =
    options.provider ??
    (family && !options.baseUrl ? family.provider : baseUrl ? detectProvider(baseUrl) : "vllm");
  return {
    provider,
    baseUrl,
    apiKey: options.apiKey ?? (family ? value(family.key) : undefined),
    model: options.model ?? (family ? value(family.model) : undefined),
    source: options.baseUrl ? "baseUrl" : family ? family.base : "embedded",
  };
}

/**
 * The dialect a base URL most likely speaks.
 *
 * @example
 * detectProvider("https://api.deepinfra.com/v1/inference") // "devup"
 */
export function detectProvider(baseUrl: string): Provider {
  const url = new URL(baseUrl);
  if (/\/v1\/inference\/?$/.test(url.pathname) || /deepinfra|devupai/.test(url.hostname)) return "devup";
  if (url.port === "11434" || /\/api\/?$/.test(url.pathname)) return "ollama";
  if (url.hostname === "api.openai.com") return "openai";
  return "vllm";
}
