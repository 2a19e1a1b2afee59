import type { JsonPoster } from "../../src/client/scoring/json-poster.js";
import type { ScoringEndpoint } from "../../src/client/scoring/scoring-endpoint.js";
import { HttpStatusError } from "../../src/errors.js";
import { completionsResponse } from "../../src/local/completions.js";
import { embeddedEngine } from "../../src/local/engine.js";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";
import { LogprobResult } from "../../src/result.js";

export interface InProcessOptions {
  /** /tokenize answers (default true). */
  tokenize?: boolean;
  /** /tokenize returns raw pieces (default true). */
  pieces?: boolean;
  maxModelLen?: number;
  /** Rewrite each /completions answer. */
  tamper?: (body: any) => any;
}

/**
 * An endpoint answered in-process by the embedded engine (no network): vLLM's /tokenize and
 * /v1/completions, recording every request.
 */
export function inProcessEndpoint(options: InProcessOptions = {}) {
  const engine = { ...embeddedEngine(), maxModelLen: options.maxModelLen ?? 8192 };
  const requests: { path: string; body: any }[] = [];
  const http: JsonPoster = {
    url: (path) => `http://in-process/v1${path}`,
    async postJson(path, body: any) {
      requests.push({ path, body });
      if (path === "/tokenize") {
        if (options.tokenize === false) {
          throw new HttpStatusError({
            status: 404,
            url: "http://in-process/tokenize",
            serverMessage: "Not Found",
          });
        }
        const ids = [engine.tokenizer.bos, ...engine.tokenizer.encode(body.prompt)];
        return {
          count: ids.length,
          max_model_len: engine.maxModelLen,
          tokens: ids,
          token_strs: options.pieces === false ? null : ids.map((id) => engine.tokenizer.piece(id)),
        };
      }
      const answer = JSON.parse(completionsResponse(engine, body));
      return options.tamper ? options.tamper(answer) : answer;
    },
  };
  const endpoint: ScoringEndpoint = {
    provider: "vllm",
    http,
    model: "m",
    tokenizer: {},
    async promptLogprobs(text, { topK }) {
      const body = await http.postJson("/completions", {
        model: "m",
        prompt: text,
        max_tokens: 1,
        prompt_logprobs: topK,
        return_token_ids: true,
      });
      const parsed = parseVllmCompletion(body, { prompt: text, topK, includeGenerated: false });
      return new LogprobResult(parsed.rows, parsed);
    },
  };
  return { endpoint, requests, engine };
}
