import { UsageError } from "../errors.js";
import type { ChatMessage } from "../providers/chat-request-schema.js";
import { devupRequest } from "../providers/devup.js";
import type { ParseHints } from "../providers/dialects.js";
import { llamaCppCompletionRequest } from "../providers/llamacpp.js";
import { ollamaChatRequest, ollamaGenerateRequest } from "../providers/ollama.js";
import { chatRequest } from "../providers/openai-chat.js";
import type { Dialect } from "../providers/parsed-sequence.js";
import { tgiGenerateRequest } from "../providers/tgi.js";
import type { Provider } from "./endpoint-config.js";

/** Options of `lab.complete`. */
export interface CompleteOptions {
  /** Tokens to generate (default 16). */
  maxTokens?: number;
  /** Alternatives per generated position (default 5; the dialect's own limit applies). */
  topLogprobs?: number;
  /** Also return the prompt's positions (vLLM `echo`, TGI `decoder_input_details`). */
  echo?: boolean;
  temperature?: number;
  seed?: number;
  /** Return a `LogprobStream` of tokens as they arrive instead of a promise of the result. */
  stream?: boolean;
  signal?: AbortSignal;
}

/** Options of `lab.chat`. */
export interface ChatOptions {
  /** Alternatives per generated position, 0..20 (default 5). */
  topLogprobs?: number;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  stream?: boolean;
  signal?: AbortSignal;
}

/** One request: where it goes, its body, and how its answer is read. */
export interface Route {
  path: string;
  /** The path is relative to the server root rather than the `/v1` base. */
  root: boolean;
  body: unknown;
  dialect: Dialect;
  hints: ParseHints;
}

/**
 * The request `lab.complete` sends to a provider: generated-token logprobs (and the prompt's with
 * `echo`, where the dialect has them).
 *
 * @example
 * completeRoute("tgi", "m", "Once upon a time", { maxTokens: 8 }).path // "/generate"
 */
export function completeRoute(
  provider: Provider,
  model: string,
  prompt: string,
  options: CompleteOptions,
): Route {
  const stream = options.stream === true;
  const top = options.topLogprobs ?? 5;
  const hints: ParseHints = { prompt, model, promptLogprobs: options.echo };
  switch (provider) {
    case "vllm":
    case "openai":
      return {
        path: "/completions",
        root: false,
        dialect: "vllm-completions",
        hints,
        body: {
          model,
          prompt,
          max_tokens: options.maxTokens ?? 16,
          logprobs: top,
          ...(options.echo ? { echo: true } : {}),
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
          ...(provider === "vllm" ? { return_token_ids: true } : {}),
          ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
        },
      };
    case "tgi":
      return {
        path: stream ? "/generate_stream" : "/generate",
        root: true,
        dialect: "tgi",
        hints,
        body: tgiGenerateRequest(prompt, {
          maxNewTokens: options.maxTokens ?? 16,
          promptLogprobs: options.echo && !stream,
          topNTokens: Math.min(top, 5),
          temperature: options.temperature || undefined,
          seed: options.seed,
          doSample: options.temperature !== undefined && options.temperature > 0,
          stream,
        }),
      };
    case "devup":
      return {
        path: `/v1/inference/${model}`,
        root: true,
        dialect: "devup",
        hints,
        body: devupRequest(prompt, {
          stream,
          maxNewTokens: options.maxTokens ?? 16,
          temperature: options.temperature,
          seed: options.seed,
          topNTokens: Math.min(top, 5),
        }),
      };
    case "llamacpp":
      return {
        path: "/completion",
        root: true,
        dialect: "llamacpp",
        hints,
        body: llamaCppCompletionRequest(prompt, {
          topK: Math.max(1, top),
          maxTokens: options.maxTokens ?? 16,
          stream,
          temperature: options.temperature,
          seed: options.seed,
        }),
      };
    case "ollama":
      return {
        path: "/api/generate",
        root: true,
        dialect: "ollama",
        hints,
        body: ollamaGenerateRequest(prompt, {
          model,
          topLogprobs: top,
          maxTokens: options.maxTokens,
          temperature: options.temperature,
          seed: options.seed,
          stream,
        }),
      };
  }
}

/**
 * The request `lab.chat` sends: OpenAI-compatible chat with `logprobs`/`top_logprobs` (vLLM,
 * OpenAI, llama.cpp, TGI's and DEVUP's OpenAI routes), or Ollama's `/api/chat`.
 *
 * @example
 * chatRoute("vllm", "m", [{ role: "user", content: "Hi" }], {}).path // "/chat/completions"
 */
export function chatRoute(
  provider: Provider,
  model: string,
  messages: string | readonly ChatMessage[],
  options: ChatOptions,
): Route {
  const common = {
    model,
    topLogprobs: options.topLogprobs ?? 5,
    maxTokens: options.maxTokens,
    temperature: options.temperature,
    seed: options.seed,
    stream: options.stream === true,
  };
  if (provider === "ollama") {
    const list = typeof messages === "string" ? [{ role: "user", content: messages }] : messages;
    return {
      path: "/api/chat",
      root: true,
      dialect: "ollama",
      hints: { model },
      body: ollamaChatRequest(
        list.map((m) => ({ role: m.role, content: typeof m.content === "string" ? m.content : "" })),
        common,
      ),
    };
  }
  const paths: Record<Exclude<Provider, "ollama">, [string, boolean]> = {
    vllm: ["/chat/completions", false],
    openai: ["/chat/completions", false],
    llamacpp: ["/v1/chat/completions", true],
    tgi: ["/v1/chat/completions", true],
    devup: ["/v1/openai/chat/completions", true],
  };
  const [path, root] = paths[provider];
  if (!path) throw new UsageError(`chat is not available for provider ${provider}`);
  return { path, root, dialect: "openai-chat", hints: { model }, body: chatRequest(messages, common) };
}
