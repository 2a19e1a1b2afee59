import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import {
  HttpStatusError,
  type LogprobLabError,
  ResponseShapeError,
  ServerError,
  UsageError,
} from "../../errors.js";
import {
  type BatchOutputLine,
  batchOutputLineSchema,
  batchRequestLineSchema,
} from "../../providers/openai-batch-schema.js";
import { parseVllmChatPrompt, RAW_TEXT_CHAT_TEMPLATE } from "../../providers/vllm-chat-prompt.js";
import { parseVllmCompletion, VLLM_DIALECT } from "../../providers/vllm-completions.js";
import type { LogprobResult } from "../../result.js";
import { toResult } from "../logprob-stream.js";

/**
 * The dialect name batch-file errors carry.
 *
 * @example
 * if (error instanceof ResponseShapeError && error.dialect === BATCH_DIALECT) console.log(error.path) // "line 7"
 */
export const BATCH_DIALECT = "openai-batch";

/**
 * One line of a batch output file, read: the result of its request, or the typed error it failed
 * with (`HttpStatusError` for a status ≥ 400, `ServerError` for an error the runner reported,
 * `ResponseShapeError` for a line or body that cannot be read — a torn last line included).
 *
 * @example
 * for await (const o of readBatchResults("out.jsonl")) o.error ? console.log(o.customId, o.error.message) : o.result!.summary;
 */
export interface BatchOutcome {
  /** The line's `custom_id` (null when the line could not be read at all). */
  customId: string | null;
  /** 1-based line number in the output file. */
  line: number;
  result?: LogprobResult;
  error?: LogprobLabError;
}

/**
 * Options of `readBatchResults` / `loadBatchResults`.
 *
 * @example
 * await loadBatchResults("batch-output.jsonl", { requests: "batch-input.jsonl" });
 */
export interface ReadBatchOptions {
  /**
   * The batch input file (path or content) the output answers: each request's prompt text and
   * `prompt_logprobs` k are then used to read its answer (token text checked against the text,
   * ranks censored beyond the k asked for). Without it, the answers are read on their own.
   */
  requests?: string;
}

/**
 * Reads an OpenAI-Batch / vLLM `run_batch` output file line by line — `{ id, custom_id, response:
 * { status_code, request_id, body }, error }` — and yields one `BatchOutcome` per line, each body
 * parsed into its prompt rows (`prompt_logprobs` with `prompt_token_ids`, actual tokens by id): per
 * choice for `/v1/completions` answers, at the top level for `/v1/chat/completions` ones (lines
 * exported with `endpoint: "chat"`), the same rows either way. Nothing is thrown for a bad line: its typed error is yielded with its line number. Memory
 * holds one line at a time (plus the requests' prompts when `requests` is given). `source` is a
 * file path, or the file's content when it starts with `{` or holds a newline.
 *
 * @example
 * for await (const outcome of readBatchResults("batch-output.jsonl")) {
 *   if (outcome.result) console.log(outcome.customId, outcome.result.summary.perplexity);
 * }
 */
export async function* readBatchResults(
  source: string,
  options: ReadBatchOptions = {},
): AsyncGenerator<BatchOutcome> {
  const requests = options.requests === undefined ? undefined : await requestPrompts(options.requests);
  let line = 0;
  for await (const text of linesOf(source)) {
    line++;
    if (text.trim() === "") continue;
    yield outcomeOf(text, line, requests);
  }
}

function outcomeOf(
  text: string,
  line: number,
  requests: Map<string, { prompt: string; topK: number | undefined }> | undefined,
): BatchOutcome {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const error = new ResponseShapeError(
      `line ${line} of the batch output is not JSON (a line cut short when its writer stopped?)`,
      { dialect: BATCH_DIALECT, path: `line ${line}` },
    );
    return { customId: null, line, error };
  }
  const parsed = batchOutputLineSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const error = new ResponseShapeError(`line ${line} is not a batch output line: ${issue.message}`, {
      dialect: BATCH_DIALECT,
      path: `line ${line}: ${issue.path.map(String).join(".")}`,
    });
    const id = (json as { custom_id?: unknown } | null)?.custom_id;
    return { customId: typeof id === "string" ? id : null, line, error };
  }
  const entry = parsed.data;
  const customId = entry.custom_id;
  const failure = lineError(entry, line);
  if (failure) return { customId, line, error: failure };
  const request = requests?.get(customId);
  try {
    const body = entry.response?.body;
    const options = { prompt: request?.prompt, topK: request?.topK };
    const sequence = isChatCompletion(body)
      ? parseVllmChatPrompt(body, options)
      : { ...parseVllmCompletion(body, { ...options, includeGenerated: false }), dialect: VLLM_DIALECT };
    return { customId, line, result: toResult(sequence) };
  } catch (error) {
    return { customId, line, error: error as LogprobLabError };
  }
}

/** A chat completion body (`/v1/chat/completions` lines, read from the top-level `prompt_logprobs`). */
function isChatCompletion(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const { object, choices } = body as { object?: unknown; choices?: unknown };
  if (object === "chat.completion") return true;
  const first = Array.isArray(choices) ? (choices[0] as { message?: unknown } | undefined) : undefined;
  return typeof first === "object" && first !== null && "message" in first;
}

/** The typed error of a failed line, or undefined when it carries an answer. */
function lineError(entry: BatchOutputLine, line: number): LogprobLabError | undefined {
  const where = `in batch line ${line} (custom_id ${JSON.stringify(entry.custom_id)})`;
  const status = entry.response?.status_code ?? 200;
  const body = entry.response?.body as { error?: { message?: unknown; type?: unknown } } | null | undefined;
  const reported = entry.error ?? (status >= 400 ? body?.error : undefined);
  if (reported === undefined || reported === null) {
    if (body === undefined || body === null) {
      return new ResponseShapeError(`batch line ${line} has neither a response body nor an error`, {
        dialect: BATCH_DIALECT,
        path: `line ${line}: response.body`,
      });
    }
    return undefined;
  }
  const told =
    typeof reported === "string"
      ? reported
      : String(
          (reported as { message?: unknown }).message ??
            (reported as { error?: { message?: unknown } }).error?.message ??
            JSON.stringify(reported),
        );
  const message = /trust-request-chat-template|untrusted chat template/i.test(told)
    ? `${told} — the line carries a pass-through chat_template (exportBatch with endpoint "chat"): start vLLM with --trust-request-chat-template (vLLM ≥ 0.11 refuses request templates without it), or export with endpoint "completions" and run the file with runBatch / logprob-lab batch run`
    : told;
  const type =
    typeof reported === "string"
      ? undefined
      : ((reported as { type?: unknown; code?: unknown }).type ?? (reported as { code?: unknown }).code);
  if (status >= 400) {
    return new HttpStatusError({
      status,
      url: `batch line ${line} (${entry.custom_id})`,
      serverMessage: message,
    });
  }
  return new ServerError({
    serverMessage: message,
    errorType: type == null ? undefined : String(type),
    where,
  });
}

/** Each request's prompt text and k, by custom_id, from a batch input file. */
async function requestPrompts(
  source: string,
): Promise<Map<string, { prompt: string; topK: number | undefined }>> {
  const prompts = new Map<string, { prompt: string; topK: number | undefined }>();
  let line = 0;
  for await (const text of linesOf(source)) {
    line++;
    if (text.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ResponseShapeError(`line ${line} of the batch input is not JSON`, {
        dialect: BATCH_DIALECT,
        path: `requests line ${line}`,
      });
    }
    const parsed = batchRequestLineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ResponseShapeError(`line ${line} is not a batch request line: ${issue.message}`, {
        dialect: BATCH_DIALECT,
        path: `requests line ${line}: ${issue.path.map(String).join(".")}`,
      });
    }
    const { custom_id, body } = parsed.data;
    const topK = body.prompt_logprobs ?? undefined;
    if ("prompt" in body && typeof body.prompt === "string") {
      prompts.set(custom_id, { prompt: body.prompt, topK });
    } else if ("messages" in body && body.chat_template === RAW_TEXT_CHAT_TEMPLATE) {
      // The pass-through template scores the first message's text as it is.
      const content = body.messages[0]?.content;
      if (typeof content === "string") prompts.set(custom_id, { prompt: content, topK });
    }
  }
  return prompts;
}

/** The lines of a file (streamed) or of the text itself. */
async function* linesOf(source: string): AsyncGenerator<string> {
  if (source.startsWith("{") || source.includes("\n")) {
    for (const line of source.split(/\r?\n/)) yield line;
    return;
  }
  const file = await stat(source).catch(() => undefined);
  if (!file?.isFile()) {
    throw new UsageError(
      `no batch file at ${JSON.stringify(source)}: pass its path, or its content as a string.`,
    );
  }
  const lines = createInterface({
    input: createReadStream(source, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  try {
    for await (const line of lines) yield line;
  } finally {
    lines.close();
  }
}
