// Scoring throughput: 2,000 short texts at concurrency 32 against a static server (its own process,
// answering from bodies recorded once from the embedded model, so it costs ~nothing), with the
// library (`lab.scoreMany`, and `lab.score` in a 32-wide pool) against the floor of raw
// `undici.request` + `JSON.parse` and against the official `openai` SDK, all making the same requests
// per text (`/tokenize`, then `/v1/completions` with the token ids) over the same Agent settings.
// The static server answers only byte-identical request bodies, so a client that sent anything else
// would fail the run instead of being measured. scoreMany hands back every result, so it is held to
// a raw run that keeps its parsed answers too (one that drops them is reported beside it).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { Agent, request, fetch as undiciFetch } from "undici";
import { alternate, dist } from "./harness.mjs";
import { TEXTS } from "./texts.mjs";

const COUNT = 2000;
const CONCURRENCY = 32;
const TOP_K = 5;
// The Agent the library's Transport builds (src/http/transport.ts), for the baselines.
const agentOptions = {
  connections: 32,
  keepAliveTimeout: 30_000,
  headersTimeout: 120_000,
  bodyTimeout: 120_000,
};

/** 2,000 short texts (5 to 20 words) cut from the held-out paragraphs at varying starts. */
function shortTexts() {
  const words = TEXTS.join(" ").split(/\s+/);
  return Array.from({ length: COUNT }, (_, i) => {
    const length = 5 + (i % 16);
    const start = (i * 7) % (words.length - length);
    return words.slice(start, start + length).join(" ");
  });
}

// The two requests scoring a short text takes, as the library sends them (same fields, same order).
const tokenizeBody = (model, text) => JSON.stringify({ model, prompt: text, return_token_strs: true });
const completionsBody = (model, ids) =>
  JSON.stringify({
    model,
    prompt: ids,
    max_tokens: 1,
    temperature: 0,
    prompt_logprobs: TOP_K,
    return_token_ids: true,
  });

/** POSTs a JSON body to `root` + `path` with plain `undici.request` and returns the answer's text (non-200 throws). */
async function postText(dispatcher, root, path, body) {
  const res = await request(`${root}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    dispatcher,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}: ${text}`);
  return text;
}

/** Runs `task` over `items`, `limit` at a time (the baselines' pool). */
async function pool(items, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** Records the answers of the embedded model to every request the run will make (in the child). */
async function record(texts, file) {
  const { serve } = dist("local/server.js");
  const server = await serve({ port: 0 });
  const root = server.url.replace(/\/v1$/, "");
  const agent = new Agent(agentOptions);
  const post = (path, body) => postText(agent, root, path, body);
  try {
    const modelsText = await (await request(`${server.url}/models`, { dispatcher: agent })).body.text();
    const model = JSON.parse(modelsText).data[0].id;
    const tokenize = {};
    const completions = {};
    await pool(texts, 8, async (text) => {
      const t = tokenizeBody(model, text);
      tokenize[t] = await post("/tokenize", t);
      const c = completionsBody(model, JSON.parse(tokenize[t]).tokens);
      completions[c] = await post("/v1/completions", c);
    });
    writeFileSync(file, JSON.stringify({ models: modelsText, tokenize, completions }));
  } finally {
    await agent.close();
    await server.close();
  }
}

/** The static server (run in a child process): recorded bodies for byte-identical requests, else 404. */
function staticServer(file) {
  const recorded = JSON.parse(readFileSync(file, "utf8"));
  const routes = {
    "POST /tokenize": new Map(Object.entries(recorded.tokenize).map(([k, v]) => [k, Buffer.from(v)])),
    "POST /v1/completions": new Map(
      Object.entries(recorded.completions).map(([k, v]) => [k, Buffer.from(v)]),
    ),
  };
  const models = Buffer.from(recorded.models);
  const send = (res, status, body) => {
    res.writeHead(status, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  };
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/v1/models") return send(res, 200, models);
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = routes[`${req.method} ${req.url}`]?.get(Buffer.concat(chunks).toString());
      if (body) return send(res, 200, body);
      send(
        res,
        404,
        Buffer.from(JSON.stringify({ error: { message: `not recorded: ${req.method} ${req.url}` } })),
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
}

function startStatic(file) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--static-server", file], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`static server exited ${code}`)));
  });
  return { child, url };
}

/**
 * Records the run's answers and starts the static server: its root URL, the model, the texts, and
 * `close()` (also used by profiling scripts that import this module).
 */
export async function staticSetup() {
  const texts = shortTexts();
  const dir = mkdtempSync(join(tmpdir(), "logprob-throughput-"));
  const file = join(dir, "recorded.json");
  const { child, url } = startStatic(file);
  const close = () => {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const root = await url;
    const model = JSON.parse(JSON.parse(readFileSync(file, "utf8")).models).data[0].id;
    return { root, model, texts, close };
  } catch (error) {
    close();
    throw error;
  }
}

export async function bench({ reps, record: report }) {
  const { connect } = dist("index.js");
  const { root, model, texts, close } = await staticSetup();
  const rawAgent = new Agent(agentOptions);
  const sdkAgent = new Agent(agentOptions);
  const lab = connect({ baseUrl: `${root}/v1`, provider: "vllm" });
  const sdk = new OpenAI({
    baseURL: `${root}/v1`,
    apiKey: "unused",
    fetch: undiciFetch,
    fetchOptions: { dispatcher: sdkAgent },
  });
  let positions = 0;
  const rawPost = async (path, body) => JSON.parse(await postText(rawAgent, root, path, body));
  const rawRun = async (keep) => {
    const kept = [];
    let n = 0;
    await pool(texts, CONCURRENCY, async (text) => {
      const tokens = await rawPost("/tokenize", tokenizeBody(model, text));
      const body = await rawPost("/v1/completions", completionsBody(model, tokens.tokens));
      n += body.choices[0].prompt_logprobs.length;
      if (keep) kept.push(body);
    });
    if (positions && n !== positions) throw new Error(`raw saw ${n} positions, the library ${positions}`);
    return kept.length;
  };
  const tasks = {
    library: async () => {
      const results = await lab.scoreMany(texts, { concurrency: CONCURRENCY, progress: false });
      // The count the raw run is checked against, from the summaries: `r.rows` would build every
      // row and alternative object that a result otherwise makes only when they are asked for.
      positions = results.reduce((n, r) => n + r.summary.positionCount, 0);
    },
    raw: () => rawRun(false),
    // Like scoreMany, which hands back all 2,000 results: the parsed answers kept to the end.
    rawKept: () => rawRun(true),
    openai: async () => {
      await pool(texts, CONCURRENCY, async (text) => {
        const tokens = await sdk.post(`${root}/tokenize`, {
          body: { model, prompt: text, return_token_strs: true },
        });
        await sdk.completions.create({
          model,
          prompt: tokens.tokens,
          max_tokens: 1,
          temperature: 0,
          prompt_logprobs: TOP_K,
          return_token_ids: true,
        });
      });
    },
    libraryScore: async () => {
      await pool(texts, CONCURRENCY, (text) => lab.score(text));
    },
  };
  let ms;
  try {
    ms = await alternate(tasks, { reps, warmup: 1, rotate: true });
  } finally {
    await Promise.allSettled([rawAgent.close(), sdkAgent.close()]);
    close();
  }
  const rate = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, COUNT / (v / 1000)]));
  const what = `${COUNT} short texts at concurrency ${CONCURRENCY}, static server (texts/s)`;
  // Like for like: scoreMany keeps its results, so the floor keeps its parsed answers; lab.score in
  // a pool drops its results, as the plain raw run drops its answers.
  report(
    `lab.scoreMany vs raw undici.request + JSON.parse, both keeping all answers, ${what}`,
    rate.library,
    rate.rawKept,
    "≥ 0.95× raw undici",
    rate.library >= 0.95 * rate.rawKept,
    "/s",
  );
  report(
    `  lab.scoreMany (keeps its results) vs raw dropping its answers (texts/s)`,
    rate.library,
    rate.raw,
    "reported",
    true,
    "/s",
  );
  report(
    `lab.scoreMany vs the openai SDK, ${what}`,
    rate.library,
    rate.openai,
    "≥ 1.0× openai SDK",
    rate.library >= rate.openai,
    "/s",
  );
  report(
    `lab.score in a ${CONCURRENCY}-wide pool vs raw undici.request + JSON.parse, both dropping the answers (texts/s)`,
    rate.libraryScore,
    rate.raw,
    "≥ 0.95× raw undici",
    rate.libraryScore >= 0.95 * rate.raw,
    "/s",
  );
}

// The child process records the answers (so the embedded model's memory stays out of the measured
// process, whose garbage collector would otherwise have to walk it) and then serves them.
if (process.argv[2] === "--static-server") {
  record(shortTexts(), process.argv[3]).then(() => staticServer(process.argv[3]));
}
