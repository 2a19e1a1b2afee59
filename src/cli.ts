import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { BATCH_USAGE, batchCommand } from "./cli-batch.js";
import { connect } from "./client/connect.js";
import { reportHtml } from "./display/report.js";
import { summaryLine } from "./display/result-html.js";
import { LogprobLabError, UsageError } from "./errors.js";
import { serve } from "./local/server.js";
import { tableToText } from "./table/table-text.js";

const USAGE = `Usage:
  logprob-lab serve [--port 8000] [--host 127.0.0.1] [--api-key KEY] [--max-concurrency 2] [--max-queue 256]
                    [--max-body-bytes 8388608] [--shutdown-grace-ms 5000]
      Serve the embedded model with vLLM's /v1/completions (prompt_logprobs), /tokenize, /detokenize, /v1/models.
      At most --max-concurrency requests are computed at once and --max-queue wait; beyond that the
      server answers 503 with Retry-After. SIGTERM/SIGINT finish requests in flight, then exit.
  logprob-lab score "text" [--top-k 5] [--json] [--cache DIR]
      Score a text exactly (ACS_API_BASE/ACS_API_KEY, else the embedded model): per-token logprobs and totals.
  logprob-lab score --file texts.txt [-o scores.jsonl] [--concurrency 8] [--cache DIR]
      Score one text per line with a progress bar; results stream to a JSON-lines file.
  logprob-lab report "text" -o report.html [--top-k 5] [--title T] [--rows 2000] [--surprising 10]
      Write a self-contained HTML report that opens offline: summary, surprisal chart, the token
      table (the first --rows positions) and the alternatives at the --surprising most surprising tokens.
${BATCH_USAGE}`;

/**
 * The `logprob-lab` command line; returns the exit code.
 *
 * @example
 * await main(["score", "The capital of France is", "--json"])
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "serve":
        return await serveCommand(rest);
      case "score":
        return await scoreCommand(rest);
      case "report":
        return await reportCommand(rest);
      case "batch":
        return await batchCommand(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return command === undefined ? 1 : 0;
      default:
        console.error(`logprob-lab: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof LogprobLabError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`logprob-lab: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}

async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string", default: "8000" },
      host: { type: "string", default: "127.0.0.1" },
      "api-key": { type: "string" },
      "max-concurrency": { type: "string", default: "2" },
      "max-queue": { type: "string", default: "256" },
      "max-body-bytes": { type: "string", default: String(8 * 1024 * 1024) },
      "shutdown-grace-ms": { type: "string", default: "5000" },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`logprob-lab: --port must be 0..65535, got ${values.port}`);
    return 2;
  }
  const apiKey = values["api-key"];
  // serve() warns on stderr when the host is not loopback and there is no key.
  const server = await serve({
    port,
    host: values.host,
    apiKey,
    maxConcurrency: wholeNumber("--max-concurrency", values["max-concurrency"], 1),
    maxQueue: wholeNumber("--max-queue", values["max-queue"], 0),
    maxBodyBytes: wholeNumber("--max-body-bytes", values["max-body-bytes"], 1),
    shutdownGraceMs: wholeNumber("--shutdown-grace-ms", values["shutdown-grace-ms"], 0),
  });
  console.log(`logprob-lab embedded model listening on ${server.url}`);
  console.log(`  export ACS_API_BASE=${server.url} ACS_API_KEY=${apiKey ? "<your key>" : "anything"}`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  // A second signal while draining means "now": exit without waiting for requests in flight.
  const now = (again: NodeJS.Signals) => process.exit(again === "SIGTERM" ? 143 : 130);
  process.once("SIGINT", now);
  process.once("SIGTERM", now);
  console.error(
    `logprob-lab: ${signal}: finishing requests in flight, then exiting (send it again to exit now).`,
  );
  await server.close();
  process.off("SIGINT", now);
  process.off("SIGTERM", now);
  return 0;
}

async function scoreCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      "top-k": { type: "string", default: "5" },
      file: { type: "string", short: "f" },
      output: { type: "string", short: "o" },
      concurrency: { type: "string", default: "8" },
      cache: { type: "string" },
    },
  });
  const topK = Number(values["top-k"]);
  const lab = connect();
  if (values.file !== undefined) {
    // One text per line; a progress bar on a terminal, results streamed to --output as JSON lines.
    const texts = readFileSync(values.file, "utf8")
      .split(/\r?\n/)
      .filter((line) => line.trim() !== "");
    const output = values.output ?? `${values.file}.scores.jsonl`;
    const summaries = await lab.scoreMany(texts, {
      topK,
      concurrency: Number(values.concurrency),
      cache: values.cache ?? false,
      output,
    });
    console.log(`scored ${summaries.length} texts → ${output}`);
    return 0;
  }
  const text = positionals.join(" ");
  const result = await lab.score(text, { topK, cache: values.cache ?? false });
  if (values.json) {
    console.log(
      JSON.stringify({
        text: result.text,
        model: result.model,
        method: result.method,
        summary: result.summary,
        tokens: result.tokens.objects(),
      }),
    );
    return 0;
  }
  console.log(summaryLine(result.summary));
  const columns = ["position", "token_id", "token", "logprob", "surprisal_bits", "rank", "top1_token"];
  console.log(tableToText(result.tokens, { columns, limit: 1000 }));
  return 0;
}

async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: "string", short: "o", default: "report.html" },
      "top-k": { type: "string", default: "5" },
      title: { type: "string" },
      rows: { type: "string", default: "2000" },
      surprising: { type: "string", default: "10" },
    },
  });
  const text = positionals.join(" ");
  if (!text) throw new UsageError('report needs a text: logprob-lab report "text" -o report.html');
  const maxTableRows = positiveInteger("--rows", values.rows);
  const surprisingCount = positiveInteger("--surprising", values.surprising);
  const result = await connect().promptLogprobs(text, { topK: Number(values["top-k"]) });
  const title = values.title ?? `logprob-lab report: ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
  writeFileSync(values.output, reportHtml(result, { title, maxTableRows, surprisingCount }));
  console.log(`wrote ${values.output} (${result.rows.length} positions; opens offline)`);
  return 0;
}

function wholeNumber(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} must be an integer >= ${min}, got ${value}`);
  return n;
}

function positiveInteger(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got ${value}`);
  return n;
}
