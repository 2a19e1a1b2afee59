import { z } from "zod";
import type { RowWithoutOffsets } from "../core/assemble-text.js";
import { serverErrorMessage } from "./error-body.js";
import type { ParsedSequence, StreamParser } from "./parsed-sequence.js";
import { throwIfServerError } from "./stream-error.js";
import { validate } from "./validate.js";
import {
  echoMethod,
  legacyRows,
  legacyTopKBounds,
  type TopKBounds,
  topKOf,
  VLLM_DIALECT,
} from "./vllm-completions.js";
import {
  type CompletionChoice,
  completionChoiceSchema,
  type LegacyLogprobs,
  usageSchema,
} from "./vllm-schema.js";

/**
 * One streamed `text_completion` chunk of `/v1/completions` (vLLM and legacy OpenAI): its choices
 * carry the text and legacy `logprobs` arrays of that chunk's tokens only. The extra last chunk of
 * `stream_options.include_usage` has `choices: []` and `usage`.
 *
 * @example
 * completionChunkSchema.parse({ object: "text_completion", choices: [{ index: 0, text: " Sir", logprobs: null, finish_reason: null }] })
 */
export const completionChunkSchema = z.object({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  choices: z.array(completionChoiceSchema),
  usage: usageSchema.nullable().optional(),
});

/**
 * One validated `text_completion` chunk.
 *
 * @example
 * const chunk: CompletionChunk = completionChunkSchema.parse(JSON.parse(data));
 */
export type CompletionChunk = z.infer<typeof completionChunkSchema>;

/**
 * Options of `createCompletionsStreamParser`.
 *
 * @example
 * createCompletionsStreamParser({ choice: 3, prompt: "Hello world" } satisfies CompletionsStreamOptions)
 */
export interface CompletionsStreamOptions {
  /**
   * Which choice to read, by its wire `index`: with several prompts and `n` samples each, vLLM
   * numbers them prompt-major, `index = promptIndex * n + j`. Default 0.
   */
  choice?: number;
  /**
   * The prompt text of an `echo` request: tells exactly where the echoed prompt ends in the first
   * chunk when the server sends no token ids (otherwise that chunk is taken to hold one generated token).
   */
  prompt?: string;
}

/**
 * An incremental parser for `/v1/completions` with `stream: true` (vLLM and legacy OpenAI): push
 * each chunk's parsed JSON; the caller handles SSE framing and `[DONE]`. Each chunk's legacy
 * arrays become rows (their `text_offset` runs on across chunks and is not needed); with `echo`, the
 * first chunk of the choice carries every prompt position (`isPrompt` true). `token_ids` deltas and
 * `prompt_token_ids` (return_token_ids) give exact ids. Other choices' chunks and the usage chunk
 * add no rows. `done` turns true on the choice's `finish_reason`.
 *
 * Rows returned by `push` are final except that a later position can pin down the `logprobs` k and
 * so censor an earlier rank that was read as exact; `result()` always uses everything received, and
 * equals `parseVllmCompletion` of the same answer unstreamed (when that body has no `prompt_logprobs`).
 *
 * @example
 * const parser = createCompletionsStreamParser({ prompt: "Hello world" });
 * for (const chunk of chunks) parser.push(chunk);
 * parser.result().rows
 */
export function createCompletionsStreamParser(options: CompletionsStreamOptions = {}): StreamParser {
  const index = options.choice ?? 0;
  const legacy: LegacyLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let bounds: TopKBounds = { lo: 0, hi: Infinity };
  let echoed: number | undefined;
  let promptTokenIds: number[] | null = null;
  let tokenIds: number[] | null = null;
  let done = false;
  let finishReason: string | null = null;
  let model: string | undefined;

  const rowsOf = (from: number) =>
    legacyRows(legacy, {
      echoed: echoed ?? 0,
      from,
      firstPosition: from,
      promptTokenIds,
      tokenIds,
      topK: topKOf(bounds),
    });

  return {
    push(payload: unknown): RowWithoutOffsets[] {
      if (serverErrorMessage(payload) !== undefined)
        throwIfServerError(payload, rowsOf(0), "in the completions stream");
      const chunk = validate(completionChunkSchema, payload, VLLM_DIALECT);
      model ??= chunk.model;
      const added: RowWithoutOffsets[] = [];
      for (const choice of chunk.choices) {
        if (choice.index !== index) continue;
        if (choice.prompt_token_ids) promptTokenIds ??= choice.prompt_token_ids;
        if (choice.token_ids) tokenIds = [...(tokenIds ?? []), ...choice.token_ids];
        const lp = choice.logprobs;
        if (lp && lp.tokens.length > 0) {
          echoed ??= echoedInFirstChunk(choice, lp, options.prompt);
          const from = legacy.tokens.length;
          legacy.tokens.push(...lp.tokens);
          legacy.token_logprobs.push(...lp.tokens.map((_, j) => lp.token_logprobs[j] ?? null));
          legacy.top_logprobs!.push(...lp.tokens.map((_, j) => lp.top_logprobs?.[j] ?? null));
          legacy.text_offset!.push(...lp.tokens.map((_, j) => lp.text_offset?.[j] ?? 0));
          bounds = legacyTopKBounds(legacy, from, bounds);
          added.push(...rowsOf(from));
        }
        if (choice.finish_reason != null) {
          done = true;
          finishReason = choice.finish_reason;
        }
      }
      return added;
    },
    get done() {
      return done;
    },
    result(): ParsedSequence {
      const prompt = echoed ?? 0;
      return {
        rows: rowsOf(0),
        method: prompt > 0 ? echoMethod(legacy, prompt, promptTokenIds) : "generated",
        model,
        dialect: VLLM_DIALECT,
        finishReason,
        ...(done ? {} : { incomplete: true }),
      };
    },
  };
}

/**
 * How many leading entries of a choice's first chunk with logprobs are the echoed prompt. Exact
 * from `token_ids` (generated ids only) or `prompt_token_ids`; else an echo is recognised by its
 * position 0 having no logprob and no alternatives, and the prompt is all but the tokens spelling
 * the text after `prompt` (or all but the last token when the prompt text is not given).
 */
function echoedInFirstChunk(
  choice: CompletionChoice,
  lp: LegacyLogprobs,
  prompt: string | undefined,
): number {
  const count = lp.tokens.length;
  if (choice.token_ids) return Math.max(0, count - choice.token_ids.length);
  const startsWithPrompt = lp.token_logprobs[0] === null && (lp.top_logprobs?.[0] ?? null) === null;
  if (!startsWithPrompt) return 0;
  if (choice.prompt_token_ids && count >= choice.prompt_token_ids.length) {
    return choice.prompt_token_ids.length;
  }
  const text = choice.text ?? "";
  if (prompt !== undefined && text.startsWith(prompt)) {
    const generated = text.slice(prompt.length);
    let suffix = "";
    let tail = 0;
    while (tail < count && suffix.length < generated.length) {
      const next = lp.tokens[count - 1 - tail] + suffix;
      if (!generated.endsWith(next)) break;
      suffix = next;
      tail++;
    }
    if (suffix === generated) return count - tail;
  }
  return count > 1 ? count - 1 : 0;
}
