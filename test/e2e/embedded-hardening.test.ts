import { Agent, type IncomingMessage, request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { embeddedEngine } from "../../src/local/engine.js";
import { type EmbeddedServer, type ServeOptions, serve } from "../../src/local/server.js";

/**
 * The embedded server's hardening, over real HTTP on loopback: body limit, context length, parameter
 * validation, admission (concurrency, queue, backpressure), the API key, the bind warning and
 * graceful shutdown. Nothing here measures time; waits are "eventually".
 */

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  text: string;
  json: any;
}

function rootOf(server: EmbeddedServer): string {
  return server.url.replace(/\/v1$/, "");
}

async function post(
  server: EmbeddedServer,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${rootOf(server)}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), text, json };
}

/** A request whose body is sent only when asked: until then it is in flight (it holds its slot). */
function slowRequest(server: EmbeddedServer, path: string, body: unknown, agent?: Agent) {
  const text = JSON.stringify(body);
  const { port } = server;
  const req = request({
    host: "127.0.0.1",
    port,
    path,
    method: "POST",
    agent: agent ?? false,
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
  });
  req.flushHeaders();
  const answer = new Promise<Answer>((resolve, reject) => {
    req.once("error", reject);
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("error", reject);
      res.once("end", () => {
        const t = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode!, headers: res.headers, text: t, json: safeJson(t) });
      });
    });
  });
  answer.catch(() => {});
  return { req, answer, send: () => req.end(text) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A streaming request read by hand: its first bytes, then pause/resume, then everything. */
function openStream(server: EmbeddedServer, path: string, body: unknown) {
  const text = JSON.stringify(body);
  const req = request({
    host: "127.0.0.1",
    port: server.port,
    path,
    method: "POST",
    agent: false,
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
  });
  const chunks: Buffer[] = [];
  let firstSeen: () => void;
  const first = new Promise<void>((resolve) => {
    firstSeen = resolve;
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once("error", reject);
    req.once("response", (res) => {
      res.on("data", (c: Buffer) => {
        chunks.push(c);
        firstSeen();
      });
      resolve(res);
    });
  });
  const ended = response.then(
    (res) =>
      new Promise<string>((resolve, reject) => {
        res.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        res.once("error", reject);
      }),
  );
  ended.catch(() => {});
  req.end(text);
  return { req, response, first, ended };
}

/** The `data:` payloads of an SSE body. */
function events(text: string): string[] {
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("data:"))
    .map((block) => block.replace(/^data: ?/, ""));
}

/** Polls `check` until it holds (generous: the test's own timeout is the only limit). */
async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** The server's admission gauges from `GET /metrics` (vLLM's names). */
async function gauges(server: EmbeddedServer): Promise<{ running: number; waiting: number }> {
  const text = await (await fetch(`${rootOf(server)}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^vllm:${name}\\{[^}]*\\} (\\S+)$`, "m").exec(text)?.[1]);
  return { running: gauge("num_requests_running"), waiting: gauge("num_requests_waiting") };
}

async function until(server: EmbeddedServer, running: number, waiting: number): Promise<void> {
  await eventually(async () => {
    const now = await gauges(server);
    return now.running === running && now.waiting === waiting;
  });
}

/** How a brand-new connection to the server fares: "connected", or the error code (ECONNREFUSED once closed). */
function refused(server: EmbeddedServer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(server.port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
  });
}

async function withServer<T>(options: ServeOptions, use: (server: EmbeddedServer) => Promise<T>): Promise<T> {
  const server = await serve({ port: 0, ...options });
  try {
    return await use(server);
  } finally {
    await server.close();
  }
}

const GREEDY_LONG = { prompt: "The capital of France is", temperature: 0, logprobs: 20, stream: true };

describe("request body limit", () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await serve({ port: 0, maxBodyBytes: 1024 });
  });
  afterAll(() => server.close());

  const padded = (size: number) => {
    const base = JSON.stringify({ prompt: "Hi", max_tokens: 1 });
    return `${base.slice(0, -1)}${" ".repeat(size - base.length)}}`;
  };

  it("accepts a body of exactly the limit and answers 413 in each dialect just above it", async () => {
    expect((await post(server, "/v1/completions", padded(1024))).status).toBe(200);
    const vllm = await post(server, "/v1/completions", padded(1025));
    expect(vllm.status).toBe(413);
    expect(vllm.json.error).toMatchObject({ code: 413, param: null });
    expect(vllm.json.error.message).toContain("larger than 1024 bytes");
    const tgi = await post(server, "/generate", `{"inputs":"${"x".repeat(2000)}"}`);
    expect(tgi.status).toBe(413);
    expect(tgi.json).toMatchObject({ error_type: "validation" });
    expect(tgi.json.error).toContain("1024");
    const devup = await post(server, "/v1/inference/any-model", `{"input":"${"x".repeat(2000)}"}`);
    expect(devup.status).toBe(413);
    expect(devup.json.error).toContain("1024");
  });

  it("finds an oversized chunked body (no Content-Length) while reading, and the connection stays usable", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answer = await new Promise<Answer>((resolve, reject) => {
        const req = request({
          host: "127.0.0.1",
          port: server.port,
          path: "/v1/chat/completions",
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
        });
        req.once("error", reject);
        req.once("response", (res) => {
          let t = "";
          res.on("data", (c) => {
            t += c;
          });
          res.once("end", () =>
            resolve({ status: res.statusCode!, headers: res.headers, text: t, json: safeJson(t) }),
          );
        });
        req.write('{"messages":[{"role":"user","content":"');
        // 1,300 bytes or so: above the limit, below twice the limit (beyond that the connection is cut).
        for (let i = 0; i < 5; i++) req.write("y".repeat(256));
        req.end('"}]}');
      });
      expect(answer.status).toBe(413);
      expect(answer.json.error.code).toBe(413);
      // The rest of the body was read and dropped, so the same keep-alive connection answers again.
      const again = await new Promise<number>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: server.port, path: "/v1/models", agent });
        req.once("error", reject);
        req.once("response", (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.end();
      });
      expect(again).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});

describe("prompt longer than the context window", () => {
  // A 64-token context keeps prompts short; /v1/models reports what the server enforces.
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await serve({ port: 0, engine: { ...embeddedEngine(), maxModelLen: 64 } });
  });
  afterAll(() => server.close());
  const tokens = (n: number) => [128000, ...Array.from({ length: n - 1 }, () => 791)];
  const longText = "The cat sat on the mat. ".repeat(12);

  it("reports max_model_len in /v1/models and /tokenize", async () => {
    const models = (await (await fetch(`${server.url}/models`)).json()) as any;
    expect(models.data[0].max_model_len).toBe(64);
    expect((await post(server, "/tokenize", { prompt: "Hi" })).json.max_model_len).toBe(64);
  });

  it("answers /v1/completions with vLLM's 400, body and wording, for token and text prompts, streaming or not", async () => {
    const ids = await post(server, "/v1/completions", { prompt: tokens(70), max_tokens: 1 });
    expect(ids.status).toBe(400);
    expect(ids.json).toEqual({
      error: {
        message:
          "This model's maximum context length is 64 tokens. However, you requested 1 output tokens and your prompt contains 70 input tokens, for a total of 71 tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=70)",
        type: "BadRequestError",
        param: "input_tokens",
        code: 400,
      },
    });
    const count = (await post(server, "/tokenize", { prompt: longText })).json.count as number;
    expect(count).toBeGreaterThan(64);
    // max_tokens defaults to 16, as in vLLM.
    const text = await post(server, "/v1/completions", { prompt: longText });
    expect(text.json.error.message).toContain(
      `you requested 16 output tokens and your prompt contains ${count} input tokens, for a total of ${count + 16} tokens.`,
    );
    const streamed = await post(server, "/v1/completions", { prompt: longText, stream: true });
    expect(streamed.status).toBe(400);
    expect(streamed.headers["content-type"]).toContain("application/json");
    expect(streamed.json.error.param).toBe("input_tokens");
    // The boundary is allowed: 63 prompt tokens + 1 = 64.
    expect((await post(server, "/v1/completions", { prompt: tokens(63), max_tokens: 1 })).status).toBe(200);
    const tooMany = await post(server, "/v1/completions", { prompt: "Hi", max_tokens: 65 });
    expect(tooMany.json.error).toEqual({
      message:
        "max_tokens=65 cannot be greater than max_model_len=max_total_tokens=64. Please request fewer output tokens. (parameter=max_tokens, value=65)",
      type: "BadRequestError",
      param: "max_tokens",
      code: 400,
    });
  });

  it("answers chat the same way, counting the templated prompt", async () => {
    const messages = [{ role: "user", content: longText }];
    const unset = await post(server, "/v1/chat/completions", { messages });
    expect(unset.status).toBe(400);
    expect(unset.json.error).toMatchObject({ type: "BadRequestError", param: "input_tokens", code: 400 });
    expect(unset.json.error.message).toMatch(
      /^This model's maximum context length is 64 tokens\. However, you requested 0 output tokens and your prompt contains (\d+) input tokens, for a total of \1 tokens\. Please reduce the length of the input prompt or the number of requested output tokens\. \(parameter=input_tokens, value=\1\)$/,
    );
    const limited = await post(server, "/v1/chat/completions", {
      messages,
      max_completion_tokens: 5,
      stream: true,
    });
    expect(limited.status).toBe(400);
    expect(limited.json.error.message).toContain("you requested 5 output tokens");
  });

  it("answers TGI and DEVUP routes in their own shapes", async () => {
    const tgi = await post(server, "/generate", { inputs: longText });
    expect(tgi.status).toBe(422);
    expect(tgi.json).toEqual({
      error: expect.stringMatching(
        /^Input validation error: `inputs` must have less than 63 tokens\. Given: \d+$/,
      ),
      error_type: "validation",
    });
    const tgiStream = await post(server, "/generate_stream", { inputs: longText });
    expect(tgiStream.status).toBe(200);
    expect(JSON.parse(events(tgiStream.text)[0]!)).toMatchObject({ error_type: "validation" });
    const devup = await post(server, "/v1/inference/any", { input: longText });
    expect(devup.status).toBe(422);
    expect(devup.json.detail[0].loc).toEqual(["body", "input"]);
    expect(devup.json.detail[0].msg).toContain("context length is 64 tokens");
  });
});

describe("invalid JSON and bad parameters", () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await serve({ port: 0 });
  });
  afterAll(() => server.close());

  it("answers /v1/completions with 400 naming the parameter", async () => {
    const prompt = "Hi";
    const cases: [unknown, string | null][] = [
      [{}, "prompt"],
      [{ prompt: 5 }, "prompt"],
      [{ prompt: [] }, "prompt"],
      [{ prompt, max_tokens: "10" }, "max_tokens"],
      [{ prompt, max_tokens: -1 }, "max_tokens"],
      [{ prompt, max_tokens: 0 }, "max_tokens"],
      [{ prompt, temperature: "hot" }, "temperature"],
      [{ prompt, temperature: -0.5 }, "temperature"],
      [{ prompt, temperature: 2.5 }, "temperature"],
      [{ prompt, top_p: 0 }, "top_p"],
      [{ prompt, top_p: 1.5 }, "top_p"],
      [{ prompt, top_p: "x" }, "top_p"],
      [{ prompt, top_k: -2 }, "top_k"],
      [{ prompt, min_p: 2 }, "min_p"],
      [{ prompt, presence_penalty: 3 }, "presence_penalty"],
      [{ prompt, frequency_penalty: -3 }, "frequency_penalty"],
      [{ prompt, repetition_penalty: 0 }, "repetition_penalty"],
      [{ prompt, logprobs: 1.5 }, "logprobs"],
      [{ prompt, logprobs: -2 }, "logprobs"],
      [{ prompt, logprobs: 21 }, "logprobs"],
      [{ prompt, prompt_logprobs: 21 }, "prompt_logprobs"],
      [{ prompt, prompt_logprobs: -2 }, "prompt_logprobs"],
      [{ prompt, n: 0 }, "n"],
      [{ prompt, n: 129 }, "n"],
      [{ prompt, n: "2" }, "n"],
      [{ prompt, stream: "yes" }, "stream"],
      [{ prompt: [999_999] }, "prompt"],
      [[], null],
      ["{not json", null],
    ];
    for (const [body, param] of cases) {
      const { status, json } = await post(server, "/v1/completions", body);
      const label = JSON.stringify(body);
      expect(status, label).toBe(400);
      expect(json.error, label).toMatchObject({ type: "BadRequestError", param, code: 400 });
      // vLLM's wording may spell the name with spaces ("prompt logprobs").
      if (param) expect(json.error.message, label).toMatch(new RegExp(param.replace(/_/g, "[_ ]")));
    }
  });

  it("answers chat with 400 naming the parameter", async () => {
    const messages = [{ role: "user", content: "Hi" }];
    const cases: [unknown, string][] = [
      [{}, "messages"],
      [{ messages: "Hi" }, "messages"],
      [{ messages: [] }, "messages"],
      [{ messages: [{ content: "Hi" }] }, "messages.0.role"],
      [{ messages, temperature: 3 }, "temperature"],
      [{ messages, top_p: -1 }, "top_p"],
      [{ messages, max_tokens: 0 }, "max_tokens"],
      [{ messages, max_completion_tokens: "many" }, "max_completion_tokens"],
      [{ messages, logprobs: "yes" }, "logprobs"],
      [{ messages, logprobs: true, top_logprobs: 21 }, "top_logprobs"],
      [{ messages, logprobs: true, top_logprobs: -2 }, "top_logprobs"],
      [{ messages, prompt_logprobs: 21 }, "prompt_logprobs"],
      [{ messages, n: 0 }, "n"],
      [{ messages, n: 1000 }, "n"],
    ];
    for (const [body, param] of cases) {
      const { status, json } = await post(server, "/v1/chat/completions", body);
      const label = JSON.stringify(body);
      expect(status, label).toBe(400);
      expect(json.error, label).toMatchObject({ type: "BadRequestError", param, code: 400 });
    }
    expect((await post(server, "/v1/chat/completions", "{")).status).toBe(400);
  });

  it("answers /tokenize and /detokenize with 400 naming the parameter", async () => {
    expect((await post(server, "/tokenize", {})).json.error.param).toBe("prompt");
    expect((await post(server, "/detokenize", { tokens: "x" })).json.error.param).toBe("tokens");
    expect((await post(server, "/detokenize", { tokens: [-1] })).json.error.param).toBe("tokens.0");
  });

  it("answers TGI with 422 validation errors that name the parameter, and bad JSON with 400", async () => {
    const cases: [unknown, string][] = [
      [{}, "inputs"],
      [{ inputs: 3 }, "inputs"],
      [{ inputs: "Hi", parameters: { temperature: "hot" } }, "temperature"],
      [{ inputs: "Hi", parameters: { temperature: -1 } }, "temperature"],
      [{ inputs: "Hi", parameters: { top_p: 1.5 } }, "top_p"],
      [{ inputs: "Hi", parameters: { max_new_tokens: -1 } }, "max_new_tokens"],
      [{ inputs: "Hi", parameters: { top_n_tokens: 6 } }, "top_n_tokens"],
      [{ inputs: "" }, "inputs"],
    ];
    for (const [body, param] of cases) {
      const { status, json } = await post(server, "/generate", body);
      const label = JSON.stringify(body);
      expect(status, label).toBe(422);
      expect(json.error_type, label).toBe("validation");
      expect(json.error, label).toContain(param);
    }
    const garbage = await post(server, "/generate", "{oops");
    expect(garbage.status).toBe(400);
    expect(garbage.json.error_type).toBe("validation");
  });

  it("answers DEVUP with FastAPI's 422 details whose loc names the parameter", async () => {
    const cases: [unknown, string][] = [
      [{}, "input"],
      [{ input: "Hi", temperature: -1 }, "temperature"],
      [{ input: "Hi", top_p: 0 }, "top_p"],
      [{ input: "Hi", max_new_tokens: 0 }, "max_new_tokens"],
      [{ input: "Hi", num_responses: 5 }, "num_responses"],
      [{ input: "Hi", top_n_tokens: 21 }, "top_n_tokens"],
      [{ input: "Hi", stream: "yes" }, "stream"],
    ];
    for (const [body, param] of cases) {
      const { status, json } = await post(server, "/v1/inference/some-model", body);
      const label = JSON.stringify(body);
      expect(status, label).toBe(422);
      expect(json.detail[0].loc, label).toEqual(["body", param]);
    }
    expect((await post(server, "/v1/inference/some-model", "{")).status).toBe(422);
  });

  it("serves any model name, as the README promises (ACS code runs unchanged against it)", async () => {
    const { status, json } = await post(server, "/v1/completions", {
      model: "no-such-model",
      prompt: "Hi",
      max_tokens: 1,
    });
    expect(status).toBe(200);
    expect(json.model).toBe("no-such-model");
    const wrongType = await post(server, "/v1/completions", { model: 7, prompt: "Hi", max_tokens: 1 });
    expect(wrongType.json.error.param).toBe("model");
  });
});

describe("concurrency limit and backpressure", () => {
  it("computes at most maxConcurrency at once, queues maxQueue, and answers the rest 503/429 with Retry-After", async () => {
    await withServer({ maxConcurrency: 1, maxQueue: 1 }, async (server) => {
      // A request whose body has not arrived holds its slot; the next one waits in line.
      const holder = slowRequest(server, "/v1/completions", { prompt: "Hi", max_tokens: 2, seed: 1 });
      await until(server, 1, 0);
      const waiting = slowRequest(server, "/v1/completions", { prompt: "Hello", max_tokens: 2, seed: 1 });
      waiting.send();
      await until(server, 1, 1);
      const vllm = await post(server, "/v1/completions", { prompt: "Hi", max_tokens: 1 });
      expect(vllm.status).toBe(503);
      expect(vllm.headers["retry-after"]).toBe("1");
      expect(vllm.json.error).toMatchObject({ type: "ServiceUnavailableError", code: 503, param: null });
      const tgi = await post(server, "/generate", { inputs: "Hi" });
      expect(tgi.status).toBe(429);
      expect(tgi.headers["retry-after"]).toBe("1");
      expect(tgi.json).toEqual({ error: "Model is overloaded", error_type: "overloaded" });
      const devup = await post(server, "/v1/inference/m", { input: "Hi" });
      expect(devup.status).toBe(429);
      expect(devup.headers["retry-after"]).toBe("1");
      // Routes that compute nothing stay available.
      expect((await fetch(`${rootOf(server)}/health`)).status).toBe(200);
      expect((await fetch(`${server.url}/models`)).status).toBe(200);
      holder.send();
      const [held, queued] = await Promise.all([holder.answer, waiting.answer]);
      expect(held.status).toBe(200);
      expect(held.json.usage.completion_tokens).toBe(2);
      expect(queued.status).toBe(200);
      expect(queued.json.choices[0].text).toBe(
        (await post(server, "/v1/completions", { prompt: "Hello", max_tokens: 2, seed: 1 })).json.choices[0]
          .text,
      );
    });
  });

  it("counts a stream in progress against the limit until it ends", async () => {
    await withServer({ maxConcurrency: 1, maxQueue: 0 }, async (server) => {
      // About 60 MB of chunks, more than the socket buffers hold: paused, it cannot finish.
      const stream = openStream(server, "/v1/completions", { ...GREEDY_LONG, n: 8, max_tokens: 8000 });
      await stream.first;
      const response = await stream.response;
      response.pause();
      expect(await gauges(server)).toEqual({ running: 1, waiting: 0 });
      const busy = await post(server, "/v1/chat/completions", {
        messages: [{ role: "user", content: "Hi" }],
      });
      expect(busy.status).toBe(503);
      // The client leaves: generation stops and the slot is free again.
      response.destroy();
      await until(server, 0, 0);
      expect((await post(server, "/v1/completions", { prompt: "Hi", max_tokens: 1 })).status).toBe(200);
    });
  });

  it("lets a waiting request whose client left give up its place in line", async () => {
    await withServer({ maxConcurrency: 1, maxQueue: 1 }, async (server) => {
      const holder = slowRequest(server, "/v1/completions", { prompt: "Hi", max_tokens: 1 });
      await until(server, 1, 0);
      const leaver = slowRequest(server, "/v1/completions", { prompt: "Hi", max_tokens: 1 });
      leaver.send();
      await until(server, 1, 1);
      leaver.req.destroy();
      await until(server, 1, 0);
      // Its place is free again: the next request waits instead of being turned away.
      const next = slowRequest(server, "/v1/completions", { prompt: "Hi", max_tokens: 1 });
      next.send();
      await until(server, 1, 1);
      holder.send();
      expect((await holder.answer).status).toBe(200);
      expect((await next.answer).status).toBe(200);
    });
  });

  it("refuses limits that make no sense with a UsageError, and the CLI with exit code 2", async () => {
    await expect(serve({ maxConcurrency: 0 })).rejects.toThrow(/maxConcurrency.*>= 1/);
    await expect(serve({ maxQueue: -1 })).rejects.toThrow(/maxQueue/);
    await expect(serve({ apiKey: "" })).rejects.toThrow(/apiKey/);
    // The flags are checked before anything listens, so this starts no server.
    expect(await main(["serve", "--max-concurrency", "0"])).toBe(2);
    expect(await main(["serve", "--max-queue=-1"])).toBe(2);
    expect(await main(["serve", "--shutdown-grace-ms", "soon"])).toBe(2);
  });
});

describe("API key", () => {
  it("refuses a missing, malformed or wrong key with 401, whatever its length, and accepts the right one", async () => {
    const key = "s3cret-key-0123456789";
    await withServer({ apiKey: key }, async (server) => {
      const body = { prompt: "Hi", max_tokens: 1 };
      const statuses: Record<string, number> = {};
      for (const [name, headers] of Object.entries({
        missing: {},
        basic: { authorization: `Basic ${key}` },
        empty: { authorization: "Bearer " },
        shorter: { authorization: `Bearer ${key.slice(0, -1)}` },
        longer: { authorization: `Bearer ${key}x` },
        sameLength: { authorization: `Bearer ${key.slice(0, -1)}X` },
        right: { authorization: `Bearer ${key}` },
        lowerCaseScheme: { authorization: `bearer ${key}` },
      })) {
        const answer = await post(server, "/v1/completions", body, headers as Record<string, string>);
        statuses[name] = answer.status;
        expect(answer.text).not.toContain(key.slice(0, 8));
      }
      expect(statuses).toEqual({
        missing: 401,
        basic: 401,
        empty: 401,
        shorter: 401,
        longer: 401,
        sameLength: 401,
        right: 200,
        lowerCaseScheme: 200,
      });
      expect((await fetch(`${rootOf(server)}/health`)).status).toBe(200);
      const tgi = await post(server, "/generate", { inputs: "Hi" }, { authorization: "Bearer nope" });
      expect(tgi.status).toBe(401);
    });
  });
});

describe("bind address warning", () => {
  async function stderrOf(options: ServeOptions): Promise<string> {
    let written = "";
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written += String(chunk);
      return original(chunk as string, ...(rest as []));
    }) as typeof process.stderr.write;
    try {
      const server = await serve({ port: 0, ...options });
      await server.close();
    } finally {
      process.stderr.write = original;
    }
    return written;
  }

  it("warns on stderr when bound beyond loopback without a key, and never prints the key", async () => {
    expect(await stderrOf({ host: "127.0.0.1" })).toBe("");
    const open = await stderrOf({ host: "0.0.0.0" });
    expect(open).toMatch(/warning: serving on 0\.0\.0\.0 without an API key/);
    const keyed = await stderrOf({ host: "0.0.0.0", apiKey: "do-not-print-me" });
    expect(keyed).not.toContain("do-not-print-me");
    expect(keyed).toBe("");
  });
});

describe("graceful shutdown", () => {
  it("finishes a stream in flight with its complete answer while new connections are refused", async () => {
    const server = await serve({ port: 0 });
    const stream = openStream(server, "/v1/completions", { ...GREEDY_LONG, max_tokens: 300 });
    await stream.first;
    const closed = server.close();
    expect(await refused(server)).toBe("ECONNREFUSED");
    const body = await stream.ended;
    const chunks = events(body);
    expect(chunks.at(-1)).toBe("[DONE]");
    const tokens = chunks.slice(0, -1).map((c) => JSON.parse(c));
    expect(tokens).toHaveLength(300);
    expect(tokens.at(-1).choices[0].finish_reason).toBe("length");
    await closed;
  });

  it("answers requests that were waiting for a slot or still sending their body, then closes", async () => {
    const server = await serve({ port: 0, maxConcurrency: 1 });
    const expected = (await post(server, "/v1/completions", { prompt: "Hi", max_tokens: 3, seed: 5 })).json;
    // Keep-alive clients: the server itself must ask to close each connection after its answer.
    const agent = new Agent({ keepAlive: true });
    const uploading = slowRequest(server, "/v1/completions", { prompt: "Hi", max_tokens: 3, seed: 5 }, agent);
    await until(server, 1, 0);
    const queued = slowRequest(server, "/v1/completions", { prompt: "Hi", max_tokens: 3, seed: 5 }, agent);
    queued.send();
    await until(server, 1, 1);
    let done = false;
    const closed = server.close().then(() => {
      done = true;
    });
    expect(await refused(server)).toBe("ECONNREFUSED");
    expect(done).toBe(false);
    uploading.send();
    for (const answer of await Promise.all([uploading.answer, queued.answer])) {
      expect(answer.status).toBe(200);
      expect(answer.headers.connection).toBe("close");
      expect(answer.json.choices).toEqual(expected.choices);
    }
    await closed;
    agent.destroy();
  });

  it("closes idle keep-alive connections instead of waiting for their timeout", async () => {
    const server = await serve({ port: 0 });
    const agent = new Agent({ keepAlive: true });
    try {
      const socket = await new Promise<Socket>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: server.port, path: "/health", agent });
        req.once("error", reject);
        req.once("response", (res) => {
          res.resume();
          res.once("end", () => resolve(req.socket!));
        });
        req.end();
      });
      let socketClosed = false;
      socket.once("close", () => {
        socketClosed = true;
      });
      // The keep-alive timeout is 65 s, longer than this test may run: only closing it counts.
      await server.close();
      await eventually(() => socketClosed);
    } finally {
      agent.destroy();
    }
  });

  it("answers 503 to a request that arrives on an open connection once closing began", async () => {
    const server = await serve({ port: 0 });
    const socket = connect(server.port, "127.0.0.1");
    let raw = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      raw += chunk;
    });
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    // A stream long enough to be still running when the pipelined request below is read: were it
    // over first, the connection would be idle and simply closed (no 503 to check).
    const body = JSON.stringify({ ...GREEDY_LONG, max_tokens: 8000 });
    socket.write(
      `POST /v1/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await eventually(() => raw.includes("data: "));
    const closed = server.close();
    // A second request on the same connection (HTTP pipelining) after close() began.
    socket.write("GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n");
    await closed;
    await ended;
    expect(raw.startsWith("HTTP/1.1 200")).toBe(true);
    expect(raw).toContain("data: [DONE]");
    const second = raw.slice(raw.indexOf("HTTP/1.1 503"));
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second.toLowerCase()).toContain("connection: close");
    expect(second).toContain('"type":"ServiceUnavailableError"');
    expect(second).toContain("shutting down");
  });

  it("ends streams still running after the grace period with an error event in their dialect", async () => {
    const server = await serve({ port: 0, shutdownGraceMs: 50, maxConcurrency: 3 });
    const vllm = openStream(server, "/v1/completions", { ...GREEDY_LONG, max_tokens: 8000 });
    const tgi = openStream(server, "/generate_stream", {
      inputs: "The capital of France is",
      parameters: { max_new_tokens: 8000, top_n_tokens: 5 },
    });
    const devup = openStream(server, "/v1/inference/m", {
      input: "The capital of France is",
      stream: true,
      temperature: 0,
      max_new_tokens: 8000,
      top_n_tokens: 20,
    });
    await Promise.all([vllm.first, tgi.first, devup.first]);
    await server.close();
    const vllmEvents = events(await vllm.ended);
    expect(vllmEvents.at(-1)).toBe("[DONE]");
    expect(JSON.parse(vllmEvents.at(-2)!).error).toMatchObject({
      type: "ServiceUnavailableError",
      code: 503,
    });
    expect(JSON.parse(vllmEvents.at(-2)!).error.message).toContain("shutting down");
    expect(vllmEvents.length).toBeLessThan(8002);
    const tgiLast = JSON.parse(events(await tgi.ended).at(-1)!);
    expect(tgiLast).toMatchObject({ error_type: "incomplete_generation" });
    const devupLast = JSON.parse(events(await devup.ended).at(-1)!);
    expect(devupLast.error_message).toContain("shutting down");
  });
});
