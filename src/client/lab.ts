import type { Summary } from "../core/summary.js";
import { HttpStatusError, UsageError } from "../errors.js";
import { ResponseCache } from "../http/response-cache.js";
import type { Transport } from "../http/transport.js";
import type { ChatMessage } from "../providers/chat-request-schema.js";
import { DIALECTS } from "../providers/dialects.js";
import type { ParsedSequence } from "../providers/parsed-sequence.js";
import { TGI_DIALECT, tgiGenerateRequest } from "../providers/tgi.js";
import { validate } from "../providers/validate.js";
import {
  parseVllmCompletion,
  promptLogprobsRequest,
  readCompletionText,
  VLLM_DIALECT,
} from "../providers/vllm-completions.js";
import { tokenizeResponseSchema } from "../providers/vllm-schema.js";
import { LogprobResult } from "../result.js";
import type { BatchRequestOptions } from "./batch/batch-requests.js";
import { type BatchExport, exportBatch } from "./batch/export-batch.js";
import type { Provider } from "./endpoint-config.js";
import { LogprobStream, toResult } from "./logprob-stream.js";
import { type ChatOptions, type CompleteOptions, chatRoute, completeRoute, type Route } from "./routes.js";
import { type ChoiceComparison, compareChoices } from "./scoring/compare-choices.js";
import type { ContinuationResult } from "./scoring/continuation-result.js";
import { cachedPoster, type JsonPoster } from "./scoring/json-poster.js";
import { scoreContinuation } from "./scoring/score-continuation.js";
import { type ScoreManyOptions, scoreMany } from "./scoring/score-many.js";
import type { ScoreManyReport } from "./scoring/score-many-report.js";
import { scoreText } from "./scoring/score-text.js";
import type { ScoringEndpoint } from "./scoring/scoring-endpoint.js";
import type { ContinuationOptions, ScoreOptions } from "./scoring/scoring-options.js";

export interface PromptLogprobsOptions {
  /** Alternatives per position, 0..20 (default 5). The actual token is always reported too. */
  topK?: number;
  signal?: AbortSignal;
}

/** Where a `Lab` sends its requests; the embedded server is started on first use. */
export interface Endpoint {
  provider: Provider;
  transport(): Promise<Transport>;
  model(): Promise<string>;
  /**
   * What identifies the server in response-cache keys instead of its URL: for the embedded model
   * its checksum (its port changes with every session, its answers do not); undefined: the URL.
   */
  cacheScope?(): Promise<string | undefined>;
  /** Closes what `transport()` opened (see `Lab.close`); the next call opens anew. */
  close?(): Promise<void>;
}

/**
 * A connection to one logprob server (from `connect()`).
 *
 * @example
 * const lab = connect();
 * const r = await lab.promptLogprobs("The capital of France is", { topK: 5 });
 */
export class Lab {
  readonly #endpoint: Endpoint;
  /** Whether `/tokenize` answered (undefined until tried), shared with the scoring calls. */
  readonly #tokenizer: { available?: boolean } = {};

  constructor(endpoint: Endpoint) {
    this.#endpoint = endpoint;
  }

  /** The dialect this lab speaks. */
  get provider(): Provider {
    return this.#endpoint.provider;
  }

  /**
   * Closes this lab's keep-alive connections (after the requests in flight finish) and, when it
   * was using the in-process embedded server, gives it back: the server stops once no open lab
   * uses it. Calling it again does nothing; a later request opens new connections (and starts the
   * embedded server again if needed). Call it when done, so that sockets do not linger.
   *
   * @example
   * const lab = connect();
   * try {
   *   console.log((await lab.score("The capital of France is Paris.")).summary.perplexity);
   * } finally {
   *   await lab.close();
   * }
   */
  async close(): Promise<void> {
    await this.#endpoint.close?.();
  }

  /** The base URL requests go to (starts the embedded server when that is the endpoint). */
  async baseUrl(): Promise<string> {
    return (await this.#endpoint.transport()).baseUrl;
  }

  /**
   * The logprob of every prompt token given the ones before it, with the top-k alternatives, from
   * vLLM's `prompt_logprobs` (or TGI's prefill details). The actual token at each position is
   * identified by id: from `return_token_ids`, else `/tokenize`, else `echo` with token-id strings,
   * and only as a last resort by its decoded text (`result.method` says which). One token must be
   * generated (the hosted API requires `max_tokens >= 1`); it is left out of the result.
   *
   * @example
   * const r = await lab.promptLogprobs("The capital of France is", { topK: 5 });
   * r.tokens.objects()[1] // { position: 1, token: "The", logprob: …, rank: …, … }
   */
  async promptLogprobs(text: string, options: PromptLogprobsOptions = {}): Promise<LogprobResult> {
    if (typeof text !== "string" || text.length === 0) {
      throw new UsageError("promptLogprobs needs a non-empty string of text to score.");
    }
    return this.#promptLogprobsVia(await this.#endpoint.transport(), text, options);
  }

  /**
   * The exact log-likelihood of a text: every token after `<|begin_of_text|>` scored given the ones
   * before it, each identified by id (`r.summary` has the totals). The text is tokenized once with
   * `/tokenize`; a text longer than one request is scored in Hugging Face's strided sliding windows
   * (window `maxContext - 1` prompt tokens, step `stride`; each window scores only its new tokens,
   * the earlier ones are context), sent as token-id prompts. Every row records how many tokens of
   * context it had (`row.contextTokens`). `maxContext` defaults to the server's `max_model_len`
   * from `/tokenize`, else 2048; `stride` to half the window; `mode: "disjoint"` gives
   * lm-evaluation-harness's rolling windows. Without `/tokenize` (or on TGI) the text is scored in
   * one request and must fit. `cache` names a directory for the opt-in response cache.
   *
   * @example
   * const r = await lab.score(longText, { maxContext: 1024, stride: 512 });
   * r.summary.perplexity; r.rows.map((row) => row.contextTokens)
   */
  async score(text: string, options: ScoreOptions = {}): Promise<LogprobResult> {
    return scoreText(await this.#scoring(options.cache), text, options);
  }

  /**
   * The log-likelihood of `continuation` after `context` (lm-eval's `loglikelihood`) and whether
   * greedy decoding would produce it (`isGreedy`; `topK` must be ≥ 1). Context and continuation are
   * tokenized together; a token spanning the boundary ("The cat sat on the ma" + "t" → `" mat"`)
   * belongs to the continuation. Every token is a row: the context's are present but unscored
   * (no logprob), so `summary` and `logLikelihood` cover the continuation alone.
   *
   * @example
   * const r = await lab.scoreContinuation("The capital of France is", " Paris", { topK: 5 });
   * r.logLikelihood; r.isGreedy; r.coveredText // " Paris"
   */
  async scoreContinuation(
    context: string,
    continuation: string,
    options: ContinuationOptions = {},
  ): Promise<ContinuationResult> {
    return scoreContinuation(await this.#scoring(options.cache), context, continuation, options);
  }

  /**
   * Scores each choice as a continuation of the context and compares them with lm-evaluation-
   * harness's multiple-choice metrics: summed logprob (acc), per token, per character (acc_norm,
   * ÷ code points), per UTF-8 byte (acc_bytes), mutual information against the same text after
   * `<|begin_of_text|>` alone (acc_mutual_info), the softmax of the sums over the choices, and
   * `isGreedy`; `winners` says which choice each metric picks. `toTable()` gives one row per choice.
   *
   * @example
   * const c = await lab.compareChoices("The capital of France is", [" Paris", " London"]);
   * c.choices[c.winners.perChar].label; c.toTable().objects()
   */
  async compareChoices(
    context: string,
    choices: readonly string[],
    options: ContinuationOptions = {},
  ): Promise<ChoiceComparison> {
    return compareChoices(await this.#scoring(options.cache), context, choices, options);
  }

  /**
   * `score` for many texts, `concurrency` (default 8) at a time, results in input order. Progress
   * shows in the notebook (one display updated in place), as a bar on a terminal's stderr, or as
   * occasional lines (`progress: false` for silence; `onProgress` for your own). With `output`,
   * results are streamed to that file as they finish (`.arrow`: an Arrow IPC stream; else JSONL)
   * and not kept: an array of texts gets its summaries back, an (async) iterable of texts — read
   * only as fast as it is scored — a `ScoreManyReport` (counts and corpus totals), so memory stays
   * flat. Every text is tried; if any failed, a `ScoreManyError` is thrown at the end holding the
   * successes and each failure's typed error. `cache` (a directory) makes re-runs send nothing
   * twice: a run killed part-way resumes from it, re-sending nothing that was answered.
   *
   * @example
   * const results = await lab.scoreMany(texts, { concurrency: 4, cache: ".logprob-cache" });
   * const summaries = await lab.scoreMany(texts, { output: "scores.jsonl", progress: false });
   * const report = await lab.scoreMany(linesOf("corpus.txt"), { output: "scores.arrow", cache: ".cache" });
   */
  scoreMany(texts: readonly string[], options: ScoreManyOptions & { output: string }): Promise<Summary[]>;
  scoreMany(
    texts: readonly string[],
    options?: ScoreManyOptions & { output?: undefined },
  ): Promise<LogprobResult[]>;
  scoreMany(texts: readonly string[], options?: ScoreManyOptions): Promise<LogprobResult[] | Summary[]>;
  scoreMany(
    texts: Iterable<string> | AsyncIterable<string>,
    options: ScoreManyOptions & { output: string },
  ): Promise<ScoreManyReport>;
  scoreMany(
    texts: Iterable<string> | AsyncIterable<string>,
    options?: ScoreManyOptions & { output?: undefined },
  ): Promise<LogprobResult[]>;
  async scoreMany(
    texts: Iterable<string> | AsyncIterable<string>,
    options: ScoreManyOptions = {},
  ): Promise<(LogprobResult | Summary)[] | ScoreManyReport> {
    return scoreMany(await this.#scoring(options.cache), texts, options);
  }

  /**
   * Writes an OpenAI-Batch request file for corpora too big for one client: one `/v1/completions`
   * line per text (`custom_id` `text-<index>` unless `customId` says otherwise), its body exactly
   * what `promptLogprobs` sends (`prompt_logprobs`, `max_tokens: 1`, `return_token_ids`), for this
   * lab's model. Run it with a batch runner that serves completions, then read the answers with
   * `loadBatchResults`. Each text must fit the model's context (one request per text).
   *
   * @example
   * await lab.exportBatch(texts, "batch-input.jsonl", { topK: 5 });
   * const batch = await loadBatchResults("batch-output.jsonl", { requests: "batch-input.jsonl" });
   */
  async exportBatch(
    texts: Iterable<string> | AsyncIterable<string>,
    path: string,
    options: Partial<BatchRequestOptions> = {},
  ): Promise<BatchExport> {
    return exportBatch(texts, path, { ...options, model: options.model ?? (await this.#endpoint.model()) });
  }

  /** What the scoring functions use: this lab's endpoint, through the response cache when asked. */
  async #scoring(cache: string | false | undefined): Promise<ScoringEndpoint> {
    if (cache !== undefined && cache !== false && (typeof cache !== "string" || cache === "")) {
      throw new UsageError(`cache must be a directory path or false; got ${JSON.stringify(cache)}`);
    }
    const [transport, model] = await Promise.all([this.#endpoint.transport(), this.#endpoint.model()]);
    const scope = await this.#endpoint.cacheScope?.();
    const http = cache ? cachedPoster(transport, new ResponseCache(cache), model, scope) : transport;
    return {
      provider: this.#endpoint.provider,
      http,
      model,
      tokenizer: this.#tokenizer,
      promptLogprobs: (text, options) => this.#promptLogprobsVia(http, text, options),
    };
  }

  /** `promptLogprobs` through a given poster (the transport, or the cache in front of it). */
  async #promptLogprobsVia(
    http: JsonPoster,
    text: string,
    options: PromptLogprobsOptions,
  ): Promise<LogprobResult> {
    const provider = this.#endpoint.provider;
    if (provider === "tgi") return this.#tgiPromptLogprobs(http, text, options);
    if (provider !== "vllm") {
      throw new UsageError(
        `promptLogprobs needs prompt logprobs (vLLM's prompt_logprobs or TGI's prefill); the ${provider} API has none. Use lab.complete(text, { echo: true }) where supported, or a vLLM endpoint.`,
      );
    }
    const model = await this.#endpoint.model();
    const topK = options.topK ?? 5;
    const request = promptLogprobsRequest(text, { model, topK });
    const signal = options.signal;
    const body = await http.postJson("/completions", request, { signal, read: readCompletionText });
    const parseOptions = { prompt: text, topK, includeGenerated: false };
    let parsed = parseVllmCompletion(body, parseOptions);
    if (parsed.method !== "return_token_ids") {
      const ids = await this.#tokenize(http, model, text, signal);
      if (ids) parsed = parseVllmCompletion(body, { ...parseOptions, promptTokenIds: ids });
    }
    if (parsed.method === "decoded_token") {
      const echoBody = await http.postJson(
        "/completions",
        { ...request, echo: true, logprobs: 0, return_tokens_as_token_ids: true },
        { signal },
      );
      const echoed = parseVllmCompletion(echoBody, parseOptions);
      if (echoed.method === "echo") parsed = echoed;
    }
    return new LogprobResult(parsed.columns ?? parsed.rows, {
      dialect: VLLM_DIALECT,
      model: parsed.model ?? model,
      method: parsed.method,
    });
  }

  /**
   * Generates a continuation and returns the logprob of every generated token with its top
   * alternatives (and the prompt's with `echo`, where the dialect has them). With `stream: true`
   * returns a `LogprobStream`: iterate it for tokens as they arrive; `await stream.result()` for
   * the whole result; breaking out of the loop or aborting `signal` cancels the request.
   *
   * @example
   * const r = await lab.complete("Once upon a time", { maxTokens: 20, topLogprobs: 5, seed: 1 });
   * for await (const t of lab.complete("Once upon a time", { stream: true })) console.log(t.token, t.logprob);
   */
  complete(prompt: string, options: CompleteOptions & { stream: true }): LogprobStream;
  complete(prompt: string, options?: CompleteOptions & { stream?: false }): Promise<LogprobResult>;
  complete(prompt: string, options: CompleteOptions = {}): Promise<LogprobResult> | LogprobStream {
    if (typeof prompt !== "string") throw new UsageError("complete needs the prompt as a string.");
    return this.#run((model) => completeRoute(this.#endpoint.provider, model, prompt, options), options);
  }

  /**
   * Chat with logprobs: the logprob of every generated token of the assistant's answer with its top
   * alternatives (`logprobs: true`, `top_logprobs`). A string is one user message. With
   * `stream: true` returns a `LogprobStream` as `complete` does.
   *
   * @example
   * const r = await lab.chat([{ role: "user", content: "Name a colour." }], { topLogprobs: 5, maxTokens: 8 });
   */
  chat(messages: string | readonly ChatMessage[], options: ChatOptions & { stream: true }): LogprobStream;
  chat(
    messages: string | readonly ChatMessage[],
    options?: ChatOptions & { stream?: false },
  ): Promise<LogprobResult>;
  chat(
    messages: string | readonly ChatMessage[],
    options: ChatOptions = {},
  ): Promise<LogprobResult> | LogprobStream {
    return this.#run((model) => chatRoute(this.#endpoint.provider, model, messages, options), options);
  }

  #run(
    route: (model: string) => Route,
    options: { stream?: boolean; signal?: AbortSignal },
  ): Promise<LogprobResult> | LogprobStream {
    const prepare = async () => {
      const [http, model] = await Promise.all([this.#endpoint.transport(), this.#endpoint.model()]);
      return { http, route: route(model) };
    };
    if (options.stream === true) {
      return new LogprobStream(async () => {
        const { http, route } = await prepare();
        const { framing } = DIALECTS[route.dialect];
        return {
          events: http.postStream(route.path, route.body, {
            root: route.root,
            signal: options.signal,
            format: framing,
          }),
          parser: DIALECTS[route.dialect].stream(route.hints),
          framing,
          url: http.url(route.path, route.root),
        };
      }, this.#endpoint.provider);
    }
    return (async () => {
      const { http, route } = await prepare();
      const body = await http.postJson(route.path, route.body, { root: route.root, signal: options.signal });
      return toResult(DIALECTS[route.dialect].parse(body, route.hints));
    })();
  }

  /** TGI: prefill logprobs (`decoder_input_details`), the one generated token dropped. */
  async #tgiPromptLogprobs(
    http: JsonPoster,
    text: string,
    options: PromptLogprobsOptions,
  ): Promise<LogprobResult> {
    const model = await this.#endpoint.model();
    const topK = options.topK ?? 5;
    const body = await http.postJson(
      "/generate",
      tgiGenerateRequest(text, { promptLogprobs: true, maxNewTokens: 1, topNTokens: Math.min(topK, 5) }),
      { root: true, signal: options.signal },
    );
    const parsed: ParsedSequence = DIALECTS[TGI_DIALECT].parse(body, {
      prompt: text,
      model,
      promptLogprobs: true,
      includeGenerated: false,
    });
    return toResult(parsed);
  }

  /** vLLM's `/tokenize` (at the server root); undefined when the server has none. */
  async #tokenize(
    http: JsonPoster,
    model: string,
    prompt: string,
    signal?: AbortSignal,
  ): Promise<number[] | undefined> {
    if (this.#tokenizer.available === false) return undefined;
    try {
      const body = await http.postJson("/tokenize", { model, prompt }, { root: true, signal });
      this.#tokenizer.available = true;
      return validate(tokenizeResponseSchema, body, "vllm-tokenize").tokens;
    } catch (error) {
      if (error instanceof HttpStatusError && [400, 404, 405, 501].includes(error.status)) {
        this.#tokenizer.available = false;
        return undefined;
      }
      throw error;
    }
  }
}
