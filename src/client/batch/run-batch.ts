import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { HttpStatusError, TransportError, UsageError } from "../../errors.js";
import { isRetryableStatus } from "../../http/retry-delay.js";
import { Transport } from "../../http/transport.js";
import { batchRunLineSchema } from "../../providers/openai-batch-schema.js";
import { answerLine, failureLine } from "./batch-output-line.js";
import { keepCompleteLines } from "./resume-output.js";

/**
 * Options of `runBatch`.
 *
 * @example
 * const options: RunBatchOptions = { baseUrls: ["http://gpu1:8000/v1", "http://gpu2:8000/v1"], concurrency: 64 };
 */
export interface RunBatchOptions {
  /** The servers that share the work (with or without the trailing `/v1`); each line goes to one. */
  baseUrls: readonly string[];
  /** Requests in flight across all servers (default 8 per server). */
  concurrency?: number;
  /** Sent to every server as `Authorization: Bearer …`; never written or logged. */
  apiKey?: string;
  /** Stops sending; lines in flight are dropped unwritten and the call rejects. Run again to resume. */
  signal?: AbortSignal;
  /** Called after each line is written (and once for the lines skipped on resume). */
  progress?: (progress: BatchRunProgress) => void;
  /** Deadline of one attempt (default 120 s), as `connect({ timeoutMs })`. */
  timeoutMs?: number;
  /** Retries per server on 408/409/429/5xx and dropped connections (default 2); then another server is tried. */
  maxRetries?: number;
}

/**
 * Where a batch run stands.
 *
 * @example
 * runBatch(input, output, { baseUrls, progress: (p) => console.log(`${p.written} written, ${p.failed} failed`) })
 */
export interface BatchRunProgress {
  /** Lines already complete in the output file before this run (not sent again). */
  skipped: number;
  /** Lines written by this run (answers and failures). */
  written: number;
  /** Of those, the failed ones. */
  failed: number;
  /** Requests in flight now. */
  inFlight: number;
}

/**
 * What a finished batch run did.
 *
 * @example
 * const report = await runBatch("in.jsonl", "out.jsonl", { baseUrls }); report.perServer // [26, 24]
 */
export interface BatchRunReport extends Omit<BatchRunProgress, "inFlight"> {
  output: string;
  /** Lines answered (or refused) by each server, in `baseUrls` order. */
  perServer: number[];
}

/**
 * Runs an OpenAI-Batch request file (`exportBatch`, or any `{ custom_id, method, url, body }` lines)
 * against a set of servers, so that a cluster of inference servers does the work: each line's body
 * is POSTed to its `url` on the least busy server (round-robin among equals) through the project's
 * Transport (pooled keep-alive, per-attempt deadlines, retries honouring Retry-After, keys never in
 * errors), and its answer is appended to `outputPath` as it finishes, in the OpenAI Batch output
 * format `{ id, custom_id, response: { status_code, request_id, body }, error }` that
 * `loadBatchResults` reads. A server that cannot answer (dropped, 5xx after retries) hands the line
 * to another one. The input is streamed (memory holds the lines in flight and the custom_ids).
 *
 * Resumable: run it again with the same output and the lines already complete there (answers and
 * final 4xx refusals) are skipped; a torn last line (a killed run) and failures worth retrying are
 * dropped from the file and redone.
 *
 * @example
 * await lab.exportBatch(texts, "batch-input.jsonl", { topK: 5 });
 * await runBatch("batch-input.jsonl", "batch-output.jsonl", {
 *   baseUrls: ["http://gpu1:8000/v1", "http://gpu2:8000/v1"], concurrency: 64, apiKey: process.env.ACS_API_KEY,
 * });
 * const batch = await loadBatchResults("batch-output.jsonl", { requests: "batch-input.jsonl" });
 */
export async function runBatch(
  inputPath: string,
  outputPath: string,
  options: RunBatchOptions,
): Promise<BatchRunReport> {
  const servers = checkServers(options?.baseUrls);
  const concurrency = options.concurrency ?? 8 * servers.length;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`concurrency must be a positive integer, got ${concurrency}.`);
  }
  if (!(await stat(inputPath).catch(() => undefined))?.isFile()) {
    throw new UsageError(`no batch input file at ${JSON.stringify(inputPath)}.`);
  }
  const done = await keepCompleteLines(outputPath);
  const pool = servers.map((baseUrl) => ({
    transport: new Transport({
      baseUrl,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      connections: concurrency,
    }),
    busy: 0,
    answered: 0,
  }));
  const out = await open(outputPath, "a");
  const state = { skipped: 0, written: 0, failed: 0, inFlight: 0 };
  const report = () => options.progress?.({ ...state });
  let writing: Promise<unknown> = Promise.resolve();
  const append = (line: object) => {
    writing = writing.then(() => out.write(`${JSON.stringify(line)}\n`));
    return writing;
  };
  let next = 0;
  /** The least busy server not yet tried for this line; round-robin among equals. */
  const pick = (tried: Set<number>) => {
    let best = -1;
    for (let k = 0; k < pool.length; k++) {
      const i = (next + k) % pool.length;
      if (!tried.has(i) && (best < 0 || pool[i]!.busy < pool[best]!.busy)) best = i;
    }
    next = (best + 1) % pool.length;
    return best;
  };
  const send = async (line: { custom_id: string; url: string; body: unknown }) => {
    const tried = new Set<number>();
    for (;;) {
      const i = pick(tried);
      tried.add(i);
      const server = pool[i]!;
      server.busy++;
      try {
        const body = await server.transport.postJson(line.url, line.body, {
          root: true,
          signal: options.signal,
        });
        server.answered++;
        return answerLine(line.custom_id, 200, body, null);
      } catch (error) {
        if (options.signal?.aborted) throw error;
        const retryable =
          error instanceof TransportError ||
          (error instanceof HttpStatusError && isRetryableStatus(error.status));
        if (retryable && tried.size < pool.length) continue;
        if (!retryable) server.answered++;
        return failureLine(line.custom_id, error);
      } finally {
        server.busy--;
      }
    }
  };

  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const seen = new Set<string>();
  const lines = createInterface({
    input: createReadStream(inputPath, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  try {
    let number = 0;
    for await (const text of lines) {
      number++;
      if (failure !== undefined || options.signal?.aborted) break;
      if (text.trim() === "") continue;
      const line = readLine(text, number);
      if (seen.has(line.custom_id)) {
        throw new UsageError(
          `line ${number} repeats custom_id ${JSON.stringify(line.custom_id)}; each must be unique.`,
        );
      }
      seen.add(line.custom_id);
      if (done.has(line.custom_id)) {
        state.skipped++;
        continue;
      }
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failure !== undefined || options.signal?.aborted) break;
      state.inFlight++;
      const task = send(line)
        .then(async (output) => {
          await append(output);
          state.written++;
          if (output.error !== null) state.failed++;
        })
        .catch((error) => {
          failure ??= error;
        })
        .finally(() => {
          state.inFlight--;
          inFlight.delete(task);
          report();
        });
      inFlight.add(task);
    }
    if (state.skipped > 0 && state.written === 0) report();
    await Promise.all(inFlight);
  } finally {
    lines.close();
    await Promise.allSettled(inFlight);
    await writing.catch(() => {});
    await out.close();
    await Promise.all(pool.map((s) => s.transport.close()));
  }
  if (options.signal?.aborted) {
    throw new TransportError(
      `batch run aborted after writing ${state.written} line(s) to ${outputPath}; run it again to resume`,
      { url: servers.join(", "), code: "ABORTED", cause: options.signal.reason },
    );
  }
  if (failure !== undefined) throw failure;
  return {
    output: outputPath,
    skipped: state.skipped,
    written: state.written,
    failed: state.failed,
    perServer: pool.map((s) => s.answered),
  };
}

function checkServers(baseUrls: readonly string[] | undefined): string[] {
  if (!Array.isArray(baseUrls) || baseUrls.length === 0) {
    throw new UsageError('runBatch needs at least one server: { baseUrls: ["http://127.0.0.1:8000/v1"] }.');
  }
  return baseUrls.map((url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(
        `${JSON.stringify(url)} is not a URL; give a base URL such as http://127.0.0.1:8000/v1.`,
      );
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new UsageError(`${JSON.stringify(url)} is not an http(s) URL.`);
    }
    // Lines name their own path (/v1/completions): the base is the server root, `/v1` or not.
    const root = url.replace(/\/+$/, "").replace(/\/v1$/, "");
    return `${root}/v1`;
  });
}

function readLine(text: string, number: number) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`line ${number} of the batch input is not JSON.`);
  }
  const parsed = batchRunLineSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(
      `line ${number} of the batch input is not a batch request line (${issue.path.map(String).join(".") || "line"}: ${issue.message}); each line is { custom_id, method: "POST", url, body }.`,
    );
  }
  return parsed.data;
}
