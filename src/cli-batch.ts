import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { exportBatch } from "./client/batch/export-batch.js";
import { runBatch } from "./client/batch/run-batch.js";
import { connect } from "./client/connect.js";
import { UsageError } from "./errors.js";

/**
 * Usage of `logprob-lab batch`.
 *
 * @example
 * console.log(BATCH_USAGE)
 */
export const BATCH_USAGE = `  logprob-lab batch export texts.txt -o requests.jsonl [--endpoint completions|chat] [--top-k 5] [--model M]
      Write an OpenAI-Batch request file, one scoring request per non-empty line of texts.txt.
      --endpoint chat writes /v1/chat/completions lines with a pass-through chat_template, the form
      vllm run-batch accepts (its server needs --trust-request-chat-template, vLLM >= 0.11).
  logprob-lab batch run requests.jsonl -o results.jsonl --base-url URL [--base-url URL2 ...]
                    [--concurrency N] [--api-key-env ACS_API_KEY]
      Send each line to the least busy server, appending OpenAI-Batch output lines as they finish.
      Run it again to resume: lines complete in results.jsonl are skipped, a torn last line redone.
      Without --base-url, ACS_API_BASE is used; the key is read from the named variable (never printed).`;

/**
 * `logprob-lab batch export | run`; returns the exit code.
 *
 * @example
 * await batchCommand(["run", "requests.jsonl", "-o", "results.jsonl", "--base-url", "http://127.0.0.1:8000/v1"])
 */
export async function batchCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "export") return exportCommand(rest);
  if (sub === "run") return runCommand(rest);
  throw new UsageError(`batch needs "export" or "run", got ${JSON.stringify(sub ?? "")}.\n\n${BATCH_USAGE}`);
}

async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: "string", short: "o" },
      endpoint: { type: "string", default: "completions" },
      "top-k": { type: "string", default: "5" },
      model: { type: "string" },
    },
  });
  const [input] = positionals;
  if (input === undefined || values.output === undefined) {
    throw new UsageError(
      "batch export needs a texts file and -o: logprob-lab batch export texts.txt -o requests.jsonl",
    );
  }
  const endpoint = values.endpoint;
  if (endpoint !== "completions" && endpoint !== "chat") {
    throw new UsageError(`--endpoint must be completions or chat, got ${endpoint}`);
  }
  const options = { topK: Number(values["top-k"]), endpoint } as const;
  const texts = nonEmptyLines(input);
  const { count, path } =
    values.model === undefined
      ? await connect().exportBatch(texts, values.output, options)
      : await exportBatch(texts, values.output, { ...options, model: values.model });
  console.log(`wrote ${count} ${endpoint} request line(s) → ${path}`);
  return 0;
}

async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: "string", short: "o" },
      "base-url": { type: "string", multiple: true },
      concurrency: { type: "string" },
      "api-key-env": { type: "string" },
    },
  });
  const [input] = positionals;
  if (input === undefined || values.output === undefined) {
    throw new UsageError(
      "batch run needs a request file and -o: logprob-lab batch run requests.jsonl -o results.jsonl --base-url URL",
    );
  }
  const fromEnv = process.env.ACS_API_BASE;
  const baseUrls = values["base-url"] ?? (fromEnv ? [fromEnv] : []);
  if (baseUrls.length === 0) throw new UsageError("batch run needs --base-url URL (or ACS_API_BASE).");
  const keyName = values["api-key-env"] ?? "ACS_API_KEY";
  const apiKey = process.env[keyName] || undefined;
  if (values["api-key-env"] !== undefined && apiKey === undefined) {
    throw new UsageError(`--api-key-env ${keyName}: that environment variable is not set.`);
  }
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const tty = process.stderr.isTTY === true;
  try {
    const report = await runBatch(input, values.output, {
      baseUrls,
      concurrency,
      apiKey,
      signal: controller.signal,
      progress: tty
        ? (p) =>
            process.stderr.write(
              `\r${p.written} written (${p.failed} failed), ${p.skipped} skipped, ${p.inFlight} in flight `,
            )
        : undefined,
    });
    if (tty) process.stderr.write("\n");
    console.log(
      `wrote ${report.written} line(s) (${report.failed} failed), skipped ${report.skipped} already complete → ${report.output}; per server: ${report.perServer.join(", ")}`,
    );
    return 0;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

/** The non-empty lines of a text file, streamed. */
async function* nonEmptyLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({
    input: createReadStream(path, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) if (line.trim() !== "") yield line;
}
