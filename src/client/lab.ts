import { HttpStatusError, UsageError } from "../errors.js";
import type { Transport } from "../http/transport.js";
import { validate } from "../providers/validate.js";
import { parseVllmCompletion, promptLogprobsRequest, VLLM_DIALECT } from "../providers/vllm-completions.js";
import { tokenizeResponseSchema } from "../providers/vllm-schema.js";
import { LogprobResult } from "../result.js";

export interface PromptLogprobsOptions {
  /** Alternatives per position, 0..20 (default 5). The actual token is always reported too. */
  topK?: number;
  signal?: AbortSignal;
}

/** Where a `Lab` sends its requests; the embedded server is started on first use. */
export interface Endpoint {
  transport(): Promise<Transport>;
  model(): Promise<string>;
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
  /** Whether `/tokenize` answered (undefined until tried). */
  #canTokenize: boolean | undefined;

  constructor(endpoint: Endpoint) {
    this.#endpoint = endpoint;
  }

  /** The base URL requests go to (starts the embedded server when that is the endpoint). */
  async baseUrl(): Promise<string> {
    return (await this.#endpoint.transport()).baseUrl;
  }

  /**
   * The logprob of every prompt token given the ones before it, with the top-k alternatives, from
   * vLLM's `prompt_logprobs`. The actual token at each position is identified by id: from
   * `return_token_ids`, else `/tokenize`, else `echo` with token-id strings, and only as a last
   * resort by its decoded text (`result.method` says which). One token must be generated (the hosted
   * API requires `max_tokens >= 1`); it is left out of the result.
   *
   * @example
   * const r = await lab.promptLogprobs("The capital of France is", { topK: 5 });
   * r.tokens.objects()[1] // { position: 1, token: "The", logprob: …, rank: …, … }
   */
  async promptLogprobs(text: string, options: PromptLogprobsOptions = {}): Promise<LogprobResult> {
    if (typeof text !== "string" || text.length === 0) {
      throw new UsageError("promptLogprobs needs a non-empty string of text to score.");
    }
    const http = await this.#endpoint.transport();
    const model = await this.#endpoint.model();
    const topK = options.topK ?? 5;
    const request = promptLogprobsRequest(text, { model, topK });
    const signal = options.signal;
    const body = await http.postJson("/completions", request, { signal });
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
    return new LogprobResult(parsed.rows, {
      dialect: VLLM_DIALECT,
      model: parsed.model ?? model,
      method: parsed.method,
    });
  }

  /** vLLM's `/tokenize` (at the server root); undefined when the server has none. */
  async #tokenize(
    http: Transport,
    model: string,
    prompt: string,
    signal?: AbortSignal,
  ): Promise<number[] | undefined> {
    if (this.#canTokenize === false) return undefined;
    try {
      const body = await http.postJson("/tokenize", { model, prompt }, { root: true, signal });
      this.#canTokenize = true;
      return validate(tokenizeResponseSchema, body, "vllm-tokenize").tokens;
    } catch (error) {
      if (error instanceof HttpStatusError && [400, 404, 405, 501].includes(error.status)) {
        this.#canTokenize = false;
        return undefined;
      }
      throw error;
    }
  }
}
