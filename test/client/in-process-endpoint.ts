import type { JsonPoster } from "../../src/client/scoring/json-poster.js";
import type { ScoringEndpoint } from "../../src/client/scoring/scoring-endpoint.js";
import { completionsResponse } from "../../src/local/completions.js";
import { embeddedEngine } from "../../src/local/engine.js";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";
import { LogprobResult } from "../../src/result.js";

/**
 * A vLLM scoring endpoint answered in-process by the embedded engine (no network): `/tokenize`
 * and `/v1/completions` as the embedded server answers them, counting what it is sent.
 */
export function inProcessEndpoint(): { endpoint: ScoringEndpoint; requests: { path: string; body: any }[] } {
  const engine = embeddedEngine();
  const requests: { path: string; body: any }[] = [];
  const http: JsonPoster = {
    url: (path) => `http://in-process/v1${path}`,
    async postJson(path, body: any) {
      requests.push({ path, body });
      if (path === "/tokenize") {
        const ids = [engine.tokenizer.bos, ...engine.tokenizer.encode(body.prompt)];
        return {
          count: ids.length,
          max_model_len: engine.maxModelLen,
          tokens: ids,
          token_strs: ids.map((id) => engine.tokenizer.piece(id)),
        };
      }
      return JSON.parse(completionsResponse(engine, body));
    },
  };
  const endpoint: ScoringEndpoint = {
    provider: "vllm",
    http,
    model: "m",
    tokenizer: {},
    async promptLogprobs(text, { topK }) {
      const request = {
        model: "m",
        prompt: text,
        max_tokens: 1,
        prompt_logprobs: topK,
        return_token_ids: true,
      };
      const parsed = parseVllmCompletion(await http.postJson("/completions", request), {
        prompt: text,
        topK,
        includeGenerated: false,
      });
      return new LogprobResult(parsed.rows, parsed);
    },
  };
  return { endpoint, requests };
}
