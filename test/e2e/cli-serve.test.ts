import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

/**
 * `logprob-lab serve` as a real process: its flags, its stderr warning, keys kept out of its output,
 * and SIGTERM/SIGINT finishing requests in flight. It runs the built CLI, like cli-and-package: the
 * package in `dist/` (`npm run build`), or the one in `$LOGPROB_LAB_DIST` (e.g. a private build from
 * `scripts/build-private.sh <name>`); without a build the tests are skipped.
 */
const root = join(__dirname, "../..");
const dist = resolve(root, process.env.LOGPROB_LAB_DIST ?? "dist");
const cliJs = join(dist, "cjs/cli.js");
const env = { ...process.env, ACS_API_BASE: "", ACS_API_KEY: "" };

interface Cli {
  child: ChildProcess;
  url: string;
  port: number;
  output: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

async function startCli(args: string[]): Promise<Cli> {
  const script = `require(${JSON.stringify(cliJs)}).main(process.argv.slice(1)).then((code) => { process.exitCode = code; })`;
  const child = spawn(process.execPath, ["-e", script, "serve", "--port", "0", ...args], { env });
  running.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c) => {
    stdout += c;
  });
  child.stderr!.on("data", (c) => {
    stderr += c;
  });
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const url = await new Promise<string>((done, fail) => {
    const look = () => {
      const match = /listening on (http:\/\/\S+\/v1)/.exec(stdout);
      if (match) done(match[1]!);
    };
    child.stdout!.on("data", look);
    exited.then((code) => fail(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return {
    child,
    url,
    port: Number(new URL(url).port),
    output: () => stdout + stderr,
    stderr: () => stderr,
    exited,
  };
}

/** POSTs and reads the whole answer; `onFirstBytes` runs once the first body bytes arrived. */
function post(
  cli: Cli,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  onFirstBytes?: () => void,
): Promise<{ status: number; text: string }> {
  const text = JSON.stringify(body);
  return new Promise((done, fail) => {
    const req = request({
      host: "127.0.0.1",
      port: cli.port,
      path,
      method: "POST",
      agent: false,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers },
    });
    req.once("error", fail);
    req.once("response", (res) => {
      let answer = "";
      res.on("data", (c) => {
        if (answer === "") onFirstBytes?.();
        answer += c;
      });
      res.once("end", () => done({ status: res.statusCode!, text: answer }));
    });
    req.end(text);
  });
}

describe.skipIf(!existsSync(cliJs))("logprob-lab serve (built CLI)", () => {
  it("warns on stderr when bound beyond loopback without a key, and finishes a stream on SIGTERM", async () => {
    const cli = await startCli(["--host", "0.0.0.0"]);
    expect(cli.stderr()).toMatch(/warning: serving on 0\.0\.0\.0 without an API key/);
    const streamed = post(
      cli,
      "/v1/completions",
      { prompt: "The capital of France is", max_tokens: 300, temperature: 0, logprobs: 5, stream: true },
      {},
      () => cli.child.kill("SIGTERM"),
    );
    const { status, text } = await streamed;
    expect(status).toBe(200);
    const events = text.split("\n\n").filter((block) => block.startsWith("data: "));
    expect(events.at(-1)).toBe("data: [DONE]");
    expect(events).toHaveLength(301);
    expect(JSON.parse(events.at(-2)!.slice(6)).choices[0].finish_reason).toBe("length");
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toContain("SIGTERM: finishing requests in flight");
  });

  it("takes --max-concurrency/--max-queue, checks --api-key, and never prints a key", async () => {
    const key = "k3y-that-must-stay-secret";
    const cli = await startCli(["--api-key", key, "--max-concurrency", "1", "--max-queue", "0"]);
    const auth = { authorization: `Bearer ${key}` };
    const wrong = await post(
      cli,
      "/v1/completions",
      { prompt: "Hi", max_tokens: 1 },
      {
        authorization: "Bearer wrong-key-that-must-not-be-logged",
      },
    );
    expect(wrong.status).toBe(401);
    expect((await post(cli, "/v1/completions", { prompt: "Hi", max_tokens: 1 })).status).toBe(401);
    // One slot and no line: while a request still sending its body holds the slot, another is turned away.
    const body = JSON.stringify({ prompt: "Hi", max_tokens: 1 });
    const holder = request({
      host: "127.0.0.1",
      port: cli.port,
      path: "/v1/completions",
      method: "POST",
      agent: false,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...auth },
    });
    const held = new Promise<number>((done, fail) => {
      holder.once("error", fail);
      holder.once("response", (res) => {
        res.resume();
        done(res.statusCode!);
      });
    });
    holder.flushHeaders();
    for (;;) {
      const metrics = await fetch(`${cli.url.replace(/\/v1$/, "")}/metrics`, { headers: auth });
      if (/^vllm:num_requests_running\{[^}]*\} 1\.0$/m.test(await metrics.text())) break;
      await new Promise((done) => setTimeout(done, 20));
    }
    expect((await post(cli, "/v1/completions", { prompt: "Hi", max_tokens: 1 }, auth)).status).toBe(503);
    holder.end(body);
    expect(await held).toBe(200);
    expect((await post(cli, "/v1/completions", { prompt: "Hi", max_tokens: 1 }, auth)).status).toBe(200);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
    expect(cli.output()).not.toContain(key);
    expect(cli.output()).not.toContain("wrong-key-that-must-not-be-logged");
  });

  it("exits at once on a second signal, without waiting for a stream whose client stopped reading", async () => {
    const cli = await startCli([]);
    const body = JSON.stringify({
      prompt: "Hi",
      n: 8,
      max_tokens: 8000,
      temperature: 0,
      logprobs: 20,
      stream: true,
    });
    const req = request({
      host: "127.0.0.1",
      port: cli.port,
      path: "/v1/completions",
      method: "POST",
      agent: false,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    req.once("error", () => {});
    // The client reads the headers, then nothing: the stream cannot end, so neither can draining.
    const paused = new Promise<void>((done) => {
      req.once("response", (res) => {
        res.pause();
        done();
      });
    });
    req.end(body);
    await paused;
    cli.child.kill("SIGTERM");
    while (!cli.stderr().includes("finishing requests in flight"))
      await new Promise((d) => setTimeout(d, 20));
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(143);
    req.destroy();
  });
});
