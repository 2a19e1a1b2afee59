// API keys never leave the process: not in errors (message, stack, util.inspect, JSON, causes), logs,
// cache files, output files, notebook MIME bundles, CLI output — also when a server echoes the
// request headers back. A random fake key per run, local servers on 127.0.0.1 that quote it back
// in every way they can, and a scan of everything the library produced.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format, inspect, promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connect } from "../../src/client/connect.js";
import { mimeBundleOf, show } from "../../src/display/show.js";
import { LogprobLabError, ServerError } from "../../src/errors.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";

const root = join(__dirname, "../..");
const run = promisify(execFile);
const KEY = `sk-test-LEAK-${randomBytes(16).toString("hex")}`;
/** The random part: any 10 characters of it in a row are a leak (a key cut short is still a leak). */
const SECRET_PART = KEY.slice("sk-test-LEAK-".length);

/** Every run of characters that would give the key away, in the forms a server or a log might use. */
const LEAK_MARKERS = (() => {
  const markers = new Set<string>();
  const windows = (text: string, size: number) => {
    for (let i = 0; i + size <= text.length; i++) markers.add(text.slice(i, i + size));
  };
  windows(SECRET_PART, 10);
  windows(encodeURIComponent(KEY), 16);
  for (const prefix of ["", "x", "xx", "Bearer ", ":"]) {
    // Base64 of the key at each alignment; the first and last 4 characters may mix in its neighbours.
    const b64 = Buffer.from(`${prefix}${KEY}`).toString("base64");
    const inner = b64.slice(prefix.length ? Math.ceil((prefix.length * 4) / 3) + 1 : 0, -4);
    windows(inner, 12);
    windows(inner.replace(/\+/g, "-").replace(/\//g, "_"), 12);
  }
  windows(Buffer.from(KEY).toString("hex"), 16);
  return [...markers];
})();

function leakIn(text: string): string | undefined {
  return LEAK_MARKERS.find((marker) => text.includes(marker));
}

/** What the library produced in this run, by where it came from, to be scanned at the end. */
const outputs: { where: string; text: string }[] = [];
function collect(where: string, text: unknown): void {
  outputs.push({ where, text: typeof text === "string" ? text : inspect(text, { depth: Infinity }) });
}

/** Every view of an error a user, a log or a notebook may get. */
function collectError(where: string, error: unknown): void {
  const e = error as Error & Record<string, unknown>;
  collect(`${where}: message`, String(e?.message));
  collect(`${where}: stack`, String(e?.stack));
  collect(`${where}: String`, String(e));
  collect(`${where}: inspect`, inspect(e, { depth: Infinity, showHidden: true }));
  collect(`${where}: JSON`, JSON.stringify(e) ?? "");
  collect(`${where}: JSON of fields`, JSON.stringify(Object.fromEntries(Object.entries(e ?? {}))) ?? "");
  collect(`${where}: MIME bundle`, JSON.stringify(mimeBundleOf(e)));
  let cause = e?.cause as (Error & Record<string, unknown>) | undefined;
  for (let depth = 0; cause !== undefined && depth < 10; depth++) {
    collect(`${where}: cause ${depth}`, `${String(cause?.message)}\n${String(cause?.stack)}`);
    cause = cause?.cause as (Error & Record<string, unknown>) | undefined;
  }
}

/** Files under a directory, recursively, with their text (a cache, an output folder). */
function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [{ path, text: readFileSync(path, "latin1") }];
  });
}

// --- the echo server: every mode answers with the request headers quoted back somehow ---

const sockets = new Set<Socket>();
let echo: Server;
let origin = "";
/** Raw bodies the echo server sent, for the positive control. */
const rawBodies: string[] = [];

function headerDump(req: IncomingMessage): string {
  const lines: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return lines.join("\n");
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = "application/json",
  extra = {},
): void {
  rawBodies.push(body);
  res.writeHead(status, { "content-type": type, ...extra });
  res.end(body);
}

const STREAM_TOKEN = `data: ${JSON.stringify({
  id: "cmpl-1",
  object: "text_completion",
  created: 1,
  model: "m",
  choices: [
    {
      index: 0,
      text: "Hi",
      logprobs: { text_offset: [0], token_logprobs: [-0.5], tokens: ["Hi"], top_logprobs: [{ Hi: -0.5 }] },
      finish_reason: null,
    },
  ],
})}\n\n`;

/** Answers one request as its mode (the first path segment) says; the value is ignored. */
function handle(req: IncomingMessage, res: ServerResponse): unknown {
  const mode = (req.url ?? "/").split("/")[1];
  const auth = String(req.headers.authorization ?? "");
  const key = auth.replace(/^Bearer /, "");
  const headers = { ...req.headers };
  switch (mode) {
    case "e401":
      return send(
        res,
        401,
        JSON.stringify({ error: { message: `Invalid key. Authorization: ${auth}`, type: key, headers } }),
      );
    case "e400-text":
      return send(res, 400, `bad request, you sent:\n${headerDump(req)}`, "text/plain");
    case "e403-encoded":
      return send(
        res,
        403,
        JSON.stringify({
          detail: `seen ${Buffer.from(auth).toString("base64")} (basic ${Buffer.from(`:${key}`).toString("base64")}), query ${encodeURIComponent(key)}`,
          hex: Buffer.from(key).toString("hex"),
        }),
      );
    case "e400-quoted":
      // JSON-escaped quotes right after "Bearer": once broke redaction into a raw SyntaxError.
      return send(res, 400, JSON.stringify({ error: { message: `got Authorization: Bearer "${key}"` } }));
    case "e500":
      return send(
        res,
        500,
        JSON.stringify({ object: "error", message: `internal: ${JSON.stringify(headers)}` }),
      );
    case "e429":
      return send(
        res,
        429,
        JSON.stringify({ error: { message: `rate limited for ${key}`, code: "rate_limit" } }),
        "application/json",
        { "retry-after-ms": "5" },
      );
    case "ok-error":
      return send(res, 200, JSON.stringify({ error: { message: `your headers: ${headerDump(req)}` } }));
    case "not-json":
      // The key straddles the 120th character, where an error message quoting the body is cut:
      // 17 of its random characters before the cut.
      return send(res, 200, `${"x".repeat(90)}${key} ${headerDump(req)}`, "text/plain");
    case "stream-error":
      rawBodies.push(auth);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(STREAM_TOKEN);
      return res.end(`data: ${JSON.stringify({ error: { message: `stream failed for ${auth}` } })}\n\n`);
    case "stream-event-error":
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(STREAM_TOKEN);
      return res.end(
        `event: error\ndata: ${JSON.stringify({ error: { message: `bad key ${key}`, type: key } })}\n\n`,
      );
    case "stream-json":
      return send(res, 200, JSON.stringify({ error: { message: `no stream for ${auth}` } }));
    case "stream-reset":
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(STREAM_TOKEN);
      return setTimeout(() => req.socket.destroy(), 20);
    case "reset":
      return req.socket.destroy();
    case "timeout":
      return; // never answers; the client's deadline fires
    default:
      return send(res, 404, JSON.stringify({ detail: `no route ${req.url} for ${auth}` }));
  }
}

// --- the embedded server with the key required: the successful paths ---

let embedded: EmbeddedServer;
const workDir = mkdtempSync(join(tmpdir(), "logprob-lab-secrets-"));
const consoleLines: string[] = [];

beforeAll(async () => {
  echo = createServer((req, res) => {
    req.on("data", () => undefined);
    req.on("end", () => handle(req, res));
  });
  echo.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  embedded = await serve({ port: 0, apiKey: KEY });
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleLines.push(format(...args));
    });
  }
});

afterAll(async () => {
  vi.restoreAllMocks();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => echo.close(resolve));
  await embedded.close();
});

function lab(mode: string) {
  return connect({
    baseUrl: `${origin}/${mode}/v1`,
    apiKey: KEY,
    model: "m",
    provider: "vllm",
    timeoutMs: 400,
    maxRetries: 1,
  });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("API keys stay out of everything the library produces", () => {
  it("the echo server really does quote the key back (positive control)", async () => {
    const res = await fetch(`${origin}/e401/v1/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}` },
      body: "{}",
    });
    expect(leakIn(await res.text())).toBeDefined();
    // The scan sees the encoded forms too, and a key cut short.
    expect(leakIn(Buffer.from(`Authorization: Bearer ${KEY}`).toString("base64"))).toBeDefined();
    expect(leakIn(Buffer.from(`:${KEY}`).toString("base64url"))).toBeDefined();
    expect(leakIn(Buffer.from(KEY).toString("hex"))).toBeDefined();
    expect(leakIn(`...${KEY.slice(0, 26)}`)).toBeDefined();
    expect(leakIn(`sk-test-LEAK-${randomBytes(16).toString("hex")}`)).toBeUndefined();
  });

  it("HTTP errors that echo the headers: statuses, retries, text bodies, encoded forms", async () => {
    for (const mode of ["e401", "e400-text", "e403-encoded", "e400-quoted", "e500", "e429", "not-json"]) {
      const error = await failure(lab(mode).promptLogprobs("The capital of France is", { topK: 2 }));
      expect(error, mode).toBeInstanceOf(LogprobLabError);
      collectError(mode, error);
      show(error);
    }
  });

  it("a 200 answer that is an error body is an error, and nothing of it reaches the cache", async () => {
    const cache = join(workDir, "cache-error");
    const error = await failure(lab("ok-error").score("The capital of France is", { cache }));
    expect(error).toBeInstanceOf(ServerError);
    collectError("ok-error", error);
    let files: { path: string; text: string }[] = [];
    try {
      files = filesUnder(cache);
    } catch {
      // no cache directory at all is fine
    }
    for (const file of files) collect(`cache file ${file.path}`, file.text);
  });

  it("stream errors: error events, event: error, a JSON body instead of a stream, resets", async () => {
    for (const mode of ["stream-error", "stream-event-error", "stream-json", "stream-reset"]) {
      const stream = lab(mode).complete("Hi", { maxTokens: 2, stream: true });
      const error = await failure(
        (async () => {
          for await (const token of stream) collect(`${mode} token`, token);
        })(),
      );
      expect(error, mode).toBeInstanceOf(LogprobLabError);
      if (mode !== "stream-reset") expect(error, mode).toBeInstanceOf(ServerError);
      collectError(mode, error);
      const partial = await failure(stream.result());
      collectError(`${mode} result()`, partial);
    }
  });

  it("transport failures: connection resets and timeouts", async () => {
    for (const mode of ["reset", "timeout"]) {
      const error = await failure(lab(mode).promptLogprobs("Hello", { topK: 1 }));
      expect(error, mode).toBeInstanceOf(LogprobLabError);
      collectError(mode, error);
    }
  });

  it("results, caches, output files and notebook outputs of successful requests", async () => {
    const good = connect({ baseUrl: embedded.url, apiKey: KEY, provider: "vllm", maxRetries: 0 });
    const cache = join(workDir, "cache-ok");
    const result = await good.score("The capital of France is Paris.", { cache, topK: 3 });
    collect("result inspect", inspect(result, { depth: Infinity, showHidden: true }));
    collect("lab inspect", inspect(good, { depth: Infinity, showHidden: true }));
    collect("result MIME bundle", JSON.stringify(mimeBundleOf(result)));
    collect("result report", result.toReport());
    show(result);
    const output = join(workDir, "scores.jsonl");
    await good.scoreMany(["one text", "another text"], { output, cache, progress: false });
    const failed = join(workDir, "failed.jsonl");
    const many = await failure(
      lab("e401").scoreMany(["a failing text"], { output: failed, progress: false }),
    );
    collectError("scoreMany", many);
    expect(readFileSync(failed, "utf8")).toContain("HTTP 401");
    for (const file of filesUnder(workDir)) collect(`file ${file.path}`, file.text);
    // The successful run did write a cache and an output file (so the scan above read something).
    expect(filesUnder(cache).length).toBeGreaterThan(0);
    expect(readFileSync(output, "utf8")).toContain("another text");
  });

  it("the CLI with the key in its environment: stderr, stdout and the files it writes", async () => {
    const texts = join(workDir, "texts.txt");
    writeFileSync(texts, "first text\nsecond text\n");
    const cases = [
      { base: `${origin}/e401/v1`, args: ["score", "Hello there", "--json"] },
      { base: `${origin}/e403-encoded/v1`, args: ["score", "-f", texts, "-o", join(workDir, "cli.jsonl")] },
      { base: embedded.url, args: ["report", "Hello there", "-o", join(workDir, "ok.html")] },
    ];
    const runs = await Promise.all(
      cases.map(({ base, args }) => runCli(args, { ACS_API_BASE: base, ACS_API_KEY: KEY })),
    );
    runs.forEach(({ code, stdout, stderr }, i) => {
      const { base, args } = cases[i];
      collect(`CLI ${args.join(" ")} stdout`, stdout);
      collect(`CLI ${args.join(" ")} stderr`, stderr);
      expect(`${code} ${stderr}`, args.join(" ")).toMatch(base === embedded.url ? /^0 / : /logprob-lab: /);
    });
    for (const file of filesUnder(workDir)) collect(`file ${file.path}`, file.text);
    expect(readFileSync(join(workDir, "ok.html"), "utf8")).toContain("<!doctype html>");
  }, 120_000); // three CLI processes, each loading the package; slow on a loaded machine

  it("none of it holds the key, in any form", () => {
    collect("console", consoleLines.join("\n"));
    expect(consoleLines.length).toBeGreaterThan(5);
    expect(outputs.length).toBeGreaterThan(100);
    const leaks = outputs.flatMap(({ where, text }) => {
      const marker = leakIn(text);
      return marker
        ? [`${where}: …${text.slice(Math.max(0, text.indexOf(marker) - 60), text.indexOf(marker) + 40)}…`]
        : [];
    });
    expect(leaks).toEqual([]);
  });
});

describe("committed snapshots and notebook outputs hold no key-like strings", () => {
  const KEY_LIKE = [
    /\bsk-[A-Za-z0-9_-]{20,}/,
    /\bBearer\s+(?!\$|<|\[redacted\]|\.\.\.|…)[A-Za-z0-9._~+/-]{16,}/,
    /\bhf_[A-Za-z0-9]{30,}/,
    /\bAKIA[0-9A-Z]{16}\b/,
    /\bgh[pous]_[A-Za-z0-9]{30,}/,
  ];
  const envKeys = Object.entries(process.env)
    .filter(([name, value]) => /KEY|TOKEN|SECRET/i.test(name) && value && value.length >= 12)
    .map(([, value]) => value as string);

  function scanned(): { path: string; text: string }[] {
    const notebooks = readdirSync(join(root, "notebooks"))
      .filter((name) => name.endsWith(".ipynb"))
      .map((name) => join(root, "notebooks", name));
    const snapshots: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (dir.endsWith("__snapshots__")) snapshots.push(path);
      }
    };
    walk(join(root, "test"));
    return [...notebooks, ...snapshots].map((path) => ({ path, text: readFileSync(path, "utf8") }));
  }

  it("finds what it looks for (positive control)", () => {
    expect(KEY_LIKE.some((re) => re.test(`"Authorization: Bearer ${KEY}"`))).toBe(true);
    expect(KEY_LIKE.some((re) => re.test("Bearer $ACS_API_KEY"))).toBe(false);
  });

  it("scans every notebook and snapshot", () => {
    const files = scanned();
    expect(files.filter((f) => f.path.endsWith(".ipynb")).length).toBeGreaterThanOrEqual(5);
    const hits = files.flatMap(({ path, text }) => [
      ...KEY_LIKE.flatMap((re) => {
        const m = re.exec(text);
        return m ? [`${path}: ${m[0].slice(0, 12)}…`] : [];
      }),
      ...envKeys
        .filter((value) => text.includes(value))
        .map(() => `${path}: the value of a *KEY/TOKEN env var`),
    ]);
    expect(hits).toEqual([]);
  });
});

/**
 * Runs the CLI as users do (bin/logprob-lab.cjs on the built package). LOGPROB_LAB_DIST points it at
 * another build (e.g. `.dist-<name>` from scripts/build-private.sh) while dist/ is in use.
 */
async function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = join(root, "bin/logprob-lab.cjs");
  const dist = process.env.LOGPROB_LAB_DIST;
  const argv = dist
    ? [
        "-e",
        readFileSync(bin, "utf8")
          .replace("../dist/", `${join(root, dist)}/`)
          .replace(/^#!.*\n/, ""),
        "--",
        "logprob-lab",
        ...args,
      ]
    : [bin, ...args];
  try {
    const { stdout, stderr } = await run(process.execPath, argv, {
      cwd: workDir,
      env: { ...process.env, ...env },
      timeout: 100_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; signal?: string; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr || `(killed by ${e.signal})` };
  }
}
