// 1,000 requests of every kind the library makes, 16 at a time, through a server that damages
// a seeded random share of its answers (test/fixtures/fault-server.ts). Every call must end with
// the embedded model's exact answer or a typed error, within its deadline, retrying only what is
// retryable and no sooner than the server asked; cancelled requests must close their sockets.
// Reproduce a run with FAULT_SEED=<seed> (printed); counts go to artifacts/fault-injection.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import type { Lab } from "../../src/client/lab.js";
import {
  HttpStatusError,
  LogprobLabError,
  ResponseShapeError,
  ServerError,
  TransportError,
} from "../../src/errors.js";
import { createRandom } from "../../src/local/random.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import type { LogprobResult } from "../../src/result.js";
import {
  type Exchange,
  type ExchangeInfo,
  type Fault,
  type FaultServer,
  startFaultServer,
} from "../fixtures/fault-server.js";

const SEED = Number(process.env.FAULT_SEED ?? 20261206);
const REQUESTS = 1000;
const CONCURRENCY = 16;
const MAX_RETRIES = 2;
const TIMEOUT_MS = 2000;
/** Share of HTTP requests the server damages (cancelled requests come on top). */
const FAULT_RATE = 0.3;
const CANCEL_RATE = 0.06;

type Kind =
  | "promptLogprobs"
  | "score"
  | "complete"
  | "completeStream"
  | "chatStream"
  | "tgiStream"
  | "tgiGenerate"
  | "devupStream";
/** Cancelled by the caller: abort mid-answer, break out of `for await`, or abort while waiting to retry. */
type Cancel = "none" | "abort" | "break" | "backoff";
interface Planned {
  id: number;
  kind: Kind;
  cancel: Cancel;
  text: string;
  /** The fault of its first HTTP request, chosen rather than drawn (see `plan`). */
  first?: Fault;
}

const KINDS: [Kind, number][] = [
  ["promptLogprobs", 20],
  ["score", 14],
  ["complete", 14],
  ["completeStream", 16],
  ["chatStream", 14],
  ["tgiStream", 8],
  ["tgiGenerate", 6],
  ["devupStream", 8],
];
const STREAMING = new Set<Kind>(["completeStream", "chatStream", "tgiStream", "devupStream"]);
const TEXTS = [
  "The capital of France is",
  "Once upon a time there was",
  "Four score and seven years ago",
  "def main():\n    print(",
  "Die Hauptstadt von Deutschland ist",
  "The quick brown fox",
  "In 1969, the first humans",
  "日本の首都は",
];
/** Each fault with its weight; the slow ones (a whole second or a timeout each) are rarer. */
const JSON_FAULTS: [Fault, number][] = [
  ["429-ms", 6],
  ["429-seconds", 1],
  ["429-date", 1],
  ["500", 2],
  ["502", 2],
  ["503", 2],
  ["reset", 3],
  ["stall", 1],
  ["reset-early", 1],
  ["stall-headers", 1],
  ["truncate", 3],
  ["malformed", 3],
  ["nan", 3],
  ["error-200", 2],
  ["wrong-shape", 2],
];
const STREAM_FAULTS: [Fault, number][] = [
  ["429-ms", 5],
  ["429-seconds", 1],
  ["503", 2],
  ["502", 1],
  ["reset", 4],
  ["stall", 1],
  ["reset-early", 2],
  ["stall-headers", 1],
  ["sse-cut", 4],
  ["sse-cut-boundary", 2],
  ["error-200", 1],
  ["wrong-shape", 2],
  ["error-event", 4],
  ["malformed", 2],
  ["nan", 2],
];

function pick<T>(weights: [T, number][], r: number): T {
  const total = weights.reduce((s, [, w]) => s + w, 0);
  let x = r * total;
  for (const [value, w] of weights) {
    x -= w;
    if (x < 0) return value;
  }
  return weights[weights.length - 1]![0];
}

/**
 * The requests: first one of every kind with every fault that kind can meet (so that no pairing is
 * left to chance), the rest of random kinds with random faults; a few are cancelled.
 */
function plan(seed: number): Planned[] {
  const random = createRandom(seed);
  const pairs = KINDS.flatMap(([kind]) =>
    (STREAMING.has(kind) ? STREAM_FAULTS : JSON_FAULTS).map(([first]) => ({ kind, first })),
  );
  return Array.from({ length: REQUESTS }, (_, id) => {
    const text = `[#${id}] ${TEXTS[Math.floor(random() * TEXTS.length)]}`;
    const pair = pairs[id];
    if (pair) return { id, kind: pair.kind, cancel: "none", text, first: pair.first };
    const kind = pick(KINDS, random());
    const c = random() / CANCEL_RATE;
    const cancel: Cancel =
      c >= 1 || kind === "score" || kind === "tgiGenerate"
        ? "none"
        : c < 0.25
          ? "backoff"
          : STREAMING.has(kind) && c < 0.6
            ? "break"
            : "abort";
    return { id, kind, cancel, text };
  });
}

function abortsBeforeHeaders(id: number): boolean {
  return id % 2 === 0;
}

/** The fault of one HTTP request: a function of the seed, the request and its attempt only. */
function decider(planned: Planned[]) {
  return (info: ExchangeInfo): Fault => {
    const cancel = planned[info.id]?.cancel;
    if (cancel === "backoff") return info.index === 0 ? "429-seconds" : "none";
    // Half the aborted streams are aborted before their headers come, the rest mid-stream.
    if (cancel === "abort" && info.stream && abortsBeforeHeaders(info.id))
      return info.index === 0 ? "stall-headers" : "none";
    if (cancel !== "none") return info.index === 0 ? "drip" : "none";
    const first = planned[info.id]?.first;
    if (first && info.index === 0) return first;
    const random = createRandom(
      SEED ^ Math.imul(info.id + 1, 0x9e3779b1) ^ Math.imul(info.index + 1, 0x85ebca6b),
    );
    if (random() >= FAULT_RATE) return "none";
    const faults = info.stream
      ? STREAM_FAULTS
      : JSON_FAULTS.filter(([f]) => f !== "nan" || info.path.includes("completions"));
    return pick(faults, random());
  };
}

interface Labs {
  vllm: Lab;
  tgi: Lab;
  devup: Lab;
}
function labs(root: string): Labs {
  const common = { maxRetries: MAX_RETRIES, timeoutMs: TIMEOUT_MS };
  return {
    vllm: connect({ baseUrl: `${root}/v1`, provider: "vllm", model: "llama-8b", ...common }),
    tgi: connect({ baseUrl: root, provider: "tgi", model: "m", ...common }),
    devup: connect({ baseUrl: root, provider: "devup", model: "m", ...common }),
  };
}

/** Runs one planned request; for a cancelled one, also when it was cancelled. */
async function call(p: Planned, l: Labs, cancelled: Map<number, number>): Promise<LogprobResult> {
  const controller = new AbortController();
  const signal = p.cancel === "abort" || p.cancel === "backoff" ? controller.signal : undefined;
  const abort = () => {
    cancelled.set(p.id, performance.now());
    controller.abort();
  };
  const generate = { maxTokens: 6, topLogprobs: 3, temperature: 0, signal };
  // Well inside the one-second Retry-After the server sends these.
  if (p.cancel === "backoff") setTimeout(abort, 150);
  if (!STREAMING.has(p.kind)) {
    if (p.cancel === "abort") setTimeout(abort, 60 + (p.id % 5) * 20);
    switch (p.kind) {
      case "promptLogprobs":
        return l.vllm.promptLogprobs(p.text, { topK: 4, signal });
      case "score":
        return l.vllm.score(p.text, { topK: 3 });
      case "complete":
        return l.vllm.complete(p.text, generate);
      default:
        return l.tgi.complete(p.text, { ...generate, signal: undefined });
    }
  }
  if (p.cancel === "abort" && abortsBeforeHeaders(p.id)) setTimeout(abort, 100);
  const stream =
    p.kind === "completeStream"
      ? l.vllm.complete(p.text, { ...generate, stream: true })
      : p.kind === "chatStream"
        ? l.vllm.chat(p.text, { ...generate, stream: true })
        : p.kind === "tgiStream"
          ? l.tgi.complete(p.text, { ...generate, stream: true })
          : l.devup.complete(p.text, { ...generate, stream: true });
  let seen = 0;
  for await (const _ of stream) {
    // At the first token: the stream has begun, and even a very short answer has one.
    if (++seen === 1 && p.cancel === "break") {
      cancelled.set(p.id, performance.now());
      break;
    }
    if (seen === 1 && p.cancel === "abort") abort();
  }
  return stream.result();
}

/** The outcome the server's record of a request calls for: success, or which typed error. */
function expectedOutcome(xs: readonly Exchange[], p: Planned): string {
  const last = xs[xs.length - 1]!;
  if (p.cancel !== "none") return "TransportError:ABORTED";
  if (gaveUp(last)) return "TransportError:TIMEOUT";
  switch (last.fault) {
    case "none":
      return "ok";
    case "429-ms":
    case "429-seconds":
    case "429-date":
      return "HttpStatusError:429";
    case "500":
    case "502":
    case "503":
      return `HttpStatusError:${last.fault}`;
    case "stall":
    case "stall-headers":
      return "TransportError:TIMEOUT";
    case "reset":
    case "reset-early":
      return "TransportError:ECONNRESET";
    case "sse-cut":
    case "sse-cut-boundary":
      return "TransportError:INCOMPLETE_STREAM";
    case "error-event":
    case "error-200":
      return "ServerError";
    case "truncate":
    case "malformed":
    case "nan":
    case "wrong-shape":
      return "ResponseShapeError";
    default:
      return `unexpected fault ${last.fault}`;
  }
}

function outcomeOf(error: unknown): string {
  if (error instanceof HttpStatusError) return `HttpStatusError:${error.status}`;
  if (error instanceof TransportError) {
    return `TransportError:${error.code}`;
  }
  if (error instanceof ResponseShapeError) return "ResponseShapeError";
  if (error instanceof ServerError) return "ServerError";
  if (error instanceof LogprobLabError) return error.name;
  return `untyped ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}

/** Everything about a result that carries a number or a token. */
function fingerprint(r: LogprobResult): unknown {
  return { rows: r.rows, text: r.text, summary: r.summary, method: r.method, incomplete: r.incomplete };
}

/** A request's exchanges as the server saw them, for a failure message. */
function trace(xs: readonly Exchange[]): string {
  const t0 = xs[0]?.arrivedAt ?? 0;
  const at = (ms: number) => `${Math.round(ms)}ms`;
  return xs
    .map(
      (x) =>
        `${x.path}:${x.fault}@${at(x.arrivedAt - t0)}${x.hungUpAt === undefined ? "" : ` (hung up after ${at(x.hungUpAt - x.arrivedAt)})`}`,
    )
    .join(", ");
}

/** Faults that leave nothing received (status, or no answer at all): retried for streams too. */
const RETRYABLE = new Set<Fault>([
  "429-ms",
  "429-seconds",
  "429-date",
  "500",
  "502",
  "503",
  "reset-early",
  "stall-headers",
]);
/**
 * A clean answer the client hung up on before it was written (or a slowly dripping one, before the
 * caller cancelled it): nothing but its deadline makes the client do that, so the machine was too
 * busy to compute the answer within `timeoutMs` (the server's clock starts later than the client's,
 * once its loop gets to the request). The client must report a timeout, and retry while nothing of
 * the answer had arrived.
 */
function gaveUp(x: Exchange, cancelledAt?: number): boolean {
  if (x.hungUpAt === undefined) return false;
  return x.fault === "none" || (x.fault === "drip" && x.hungUpAt < (cancelledAt ?? Infinity));
}

/** Whether the client should retry after this exchange (a JSON body lost midway is retried too). */
function retryable(x: Exchange, cancelledAt?: number): boolean {
  if (gaveUp(x, cancelledAt)) return !x.stream || !x.answerStarted;
  return RETRYABLE.has(x.fault) || (!x.stream && (x.fault === "reset" || x.fault === "stall"));
}

let embedded: EmbeddedServer;
let faults: FaultServer;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const planned = plan(SEED);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  embedded = await serve({ port: 0 });
  faults = await startFaultServer(embedded.url.replace(/\/v1$/, ""), decider(planned));
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await faults?.close();
  await embedded?.close();
});

describe("fault injection", () => {
  it(`${REQUESTS} requests at concurrency ${CONCURRENCY} end right or typed, retry within budget, release sockets`, async () => {
    console.log(`fault injection seed ${SEED} (reproduce with FAULT_SEED=${SEED})`);
    const faulty = labs(faults.root);
    const clean = labs(`${faults.root}/clean`);
    // Warm up every path once (no marker: passed through undamaged, not counted).
    for (const [kind] of KINDS)
      for (const l of [faulty, clean])
        await call({ id: -1, kind, cancel: "none", text: "Warm up" }, l, new Map());
    const started = performance.now();
    const cancelled = new Map<number, number>();
    const outcomes = new Map<
      number,
      { outcome: string; ms: number; deadline: number; wrong: boolean; settledAt: number }
    >();
    // Two HTTP calls at most per request (score), each up to 1 + MAX_RETRIES attempts of at most
    // a timeout plus the longest Retry-After (a 2 s HTTP date), plus slack for a busy machine.
    const messages: Record<string, string> = {};
    const deadline = 2 * (1 + MAX_RETRIES) * (TIMEOUT_MS + 2000) + 5000;
    let next = 0;
    const lane = async () => {
      while (next < planned.length) {
        const p = planned[next++]!;
        const t0 = performance.now();
        let timer: NodeJS.Timeout | undefined;
        const hung = new Promise<"hung">((resolve) => {
          timer = setTimeout(() => resolve("hung"), deadline);
        });
        const settled = call(p, faulty, cancelled).then(
          (r) => ({ ok: r }),
          (e: unknown) => ({ error: e }),
        );
        const got = await Promise.race([settled, hung]);
        clearTimeout(timer);
        const settledAt = performance.now();
        const ms = settledAt - t0;
        if (got === "hung") {
          outcomes.set(p.id, { outcome: "hung", ms, deadline, wrong: false, settledAt });
          continue;
        }
        if ("error" in got) {
          const outcome = outcomeOf(got.error);
          if (!messages[outcome]) messages[outcome] = `${p.kind}: ${(got.error as Error).message}`;
          outcomes.set(p.id, { outcome, ms, deadline, wrong: false, settledAt });
          continue;
        }
        const reference = await call({ ...p, cancel: "none" }, clean, new Map());
        const wrong = !isDeepStrictEqual(fingerprint(got.ok), fingerprint(reference));
        outcomes.set(p.id, { outcome: "ok", ms, deadline, wrong, settledAt });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    const elapsedMs = performance.now() - started;

    // Sockets: wait (briefly) for cancelled and abandoned answers' sockets to close.
    for (let i = 0; i < 100 && faults.leaked().length > 0; i++) await new Promise((r) => setTimeout(r, 30));

    const byId = new Map<number, Exchange[]>();
    for (const x of faults.exchanges) byId.set(x.id, [...(byId.get(x.id) ?? []), x]);

    const problems: string[] = [];
    const faultsByKind: Record<string, number> = {};
    const outcomesByKind: Record<string, number> = {};
    let retries = 0;
    let maxAttempts = 0;
    let faultedRequests = 0;
    let wrongNumbers = 0;
    let cancelledClosed = 0;
    let slowestMs = 0;
    /** How long after each retryable answer its retry came, by fault. */
    const retryWaits: Record<string, number[]> = {};
    for (const p of planned) {
      const xs = byId.get(p.id) ?? [];
      const got = outcomes.get(p.id)!;
      outcomesByKind[got.outcome] = (outcomesByKind[got.outcome] ?? 0) + 1;
      if (got.wrong) {
        wrongNumbers++;
        problems.push(`#${p.id} ${p.kind}: a result that differs from the embedded model's`);
      }
      if (xs.length === 0) {
        problems.push(`#${p.id} ${p.kind}: the server never saw it (${got.outcome})`);
        continue;
      }
      if (xs.some((x) => x.fault !== "none" && x.fault !== "drip")) faultedRequests++;
      for (const x of xs) faultsByKind[x.fault] = (faultsByKind[x.fault] ?? 0) + 1;
      const want = expectedOutcome(xs, p);
      if (got.outcome !== want)
        problems.push(`#${p.id} ${p.kind}: ${got.outcome}, expected ${want} (${trace(xs)})`);
      slowestMs = Math.max(slowestMs, got.ms);
      for (const x of xs.filter((x) => x.cutByServer))
        problems.push(
          `#${p.id} ${p.kind}: ${x.path}:${x.fault} held until the server cut it (${got.outcome}; ${trace(xs)})`,
        );
      if (got.ms > got.deadline) problems.push(`#${p.id} ${p.kind}: took ${Math.round(got.ms)} ms`);
      // Retries: same path and body again. Only after a retryable fault, never sooner than asked,
      // and never more than 1 + MAX_RETRIES attempts of one body.
      const attempts = new Map<string, number>();
      for (const [i, x] of xs.entries()) {
        const n = (attempts.get(x.bodyKey) ?? 0) + 1;
        attempts.set(x.bodyKey, n);
        maxAttempts = Math.max(maxAttempts, n);
        const previous = xs[i - 1];
        if (n > 1) {
          retries++;
          if (n > 1 + MAX_RETRIES) problems.push(`#${p.id}: attempt ${n} of ${x.path}`);
          if (!previous || previous.bodyKey !== x.bodyKey || !retryable(previous, cancelled.get(p.id)))
            problems.push(
              `#${p.id} ${p.kind}: ${x.path} retried after ${previous?.fault} (${got.outcome}; ${trace(xs)})`,
            );
          else if (previous.retryNotBefore !== undefined && x.arrivedAt < previous.retryNotBefore - 5)
            problems.push(
              `#${p.id}: retry after ${previous.fault} came ${Math.round(previous.retryNotBefore - x.arrivedAt)} ms early`,
            );
          if (previous && previous.answeredAt !== undefined) {
            retryWaits[previous.fault] = [
              ...(retryWaits[previous.fault] ?? []),
              x.arrivedAt - previous.answeredAt,
            ];
          }
        }
        const following = xs[i + 1];
        if (
          p.cancel === "none" &&
          retryable(x) &&
          n < 1 + MAX_RETRIES &&
          (!following || following.bodyKey !== x.bodyKey)
        )
          problems.push(`#${p.id}: ${x.path} not retried after ${x.fault} (attempt ${n})`);
      }
      const cancelAt = cancelled.get(p.id);
      if (p.cancel !== "none" && cancelAt === undefined)
        problems.push(`#${p.id} ${p.kind}: planned to be cancelled (${p.cancel}) but ended first`);
      if (cancelAt !== undefined && got.settledAt - cancelAt > 3000)
        problems.push(
          `#${p.id} ${p.kind}: ended ${Math.round(got.settledAt - cancelAt)} ms after its cancel`,
        );
      const late = xs.find((x) => cancelAt !== undefined && x.arrivedAt > cancelAt + 5);
      if (late) problems.push(`#${p.id} ${p.kind}: sent ${late.path} after it was cancelled (${trace(xs)})`);
      if (p.cancel === "backoff" && xs.length !== 1)
        problems.push(`#${p.id}: aborted while waiting to retry, yet sent ${xs.length} requests`);
      if (p.cancel === "abort" || p.cancel === "break") {
        const socket = faults.sockets.get(xs[0]!.socketId);
        const at = cancelled.get(p.id);
        if (socket?.closedAt === undefined)
          problems.push(`#${p.id}: cancelled (${p.cancel}) but its socket is open`);
        else if (at !== undefined && socket.closedAt - at > 3000)
          problems.push(`#${p.id}: socket closed ${Math.round(socket.closedAt - at)} ms after the cancel`);
        else cancelledClosed++;
      }
    }
    const open = faults.openSockets().length;
    const leaked = faults.leaked().length;
    // At rest each of the six pools (faulty and clean vllm, tgi, devup) keeps at most one idle
    // keep-alive connection per request it ever had in flight: CONCURRENCY.
    const openByPool: Record<string, number> = {};
    for (const socket of faults.openSockets())
      for (const pool of socket.pools) openByPool[pool] = (openByPool[pool] ?? 0) + 1;
    const report = {
      seed: SEED,
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      maxRetries: MAX_RETRIES,
      timeoutMs: TIMEOUT_MS,
      httpRequests: faults.exchanges.length,
      /** Requests with at least one damaged answer ("drip", the slow answer cancelled requests get, is not one). */
      faultedRequests,
      faultedShare: faultedRequests / REQUESTS,
      faultsByKind,
      requestsByKind: Object.fromEntries(KINDS.map(([k]) => [k, planned.filter((p) => p.kind === k).length])),
      cancelled: {
        ...Object.fromEntries(
          (["abort", "break", "backoff"] as const).map((c) => [
            c,
            planned.filter((p) => p.cancel === c).length,
          ]),
        ),
        socketsClosed: cancelledClosed,
      },
      outcomesByKind,
      messages,
      retries,
      retryWaitMs: Object.fromEntries(
        Object.entries(retryWaits).map(([fault, waits]) => {
          const sorted = waits.sort((a, b) => a - b);
          const at = (q: number) => Math.round(sorted[Math.floor(q * (sorted.length - 1))]!);
          return [fault, { n: sorted.length, min: at(0), median: at(0.5), max: at(1) }];
        }),
      ),
      /** Clean answers the busy machine was too slow to give within timeoutMs (timed out, as they should). */
      cleanAnswersTimedOut: faults.exchanges.filter((x) => x.fault === "none" && gaveUp(x)).length,
      maxAttempts,
      wrongNumbers,
      unhandledRejections: unhandled.length,
      sockets: {
        opened: faults.sockets.size,
        openAtEnd: open,
        openByPool,
        leaked,
        cutByServer: faults.cutByServer(),
      },
      slowestCallMs: Math.round(slowestMs),
      callDeadlineMs: deadline,
      elapsedMs: Math.round(elapsedMs),
      problems: problems.slice(0, 50),
    };
    console.log(JSON.stringify(report, null, 2));
    mkdirSync("artifacts", { recursive: true });
    writeFileSync("artifacts/fault-injection.json", `${JSON.stringify(report, null, 2)}\n`);

    expect(problems).toEqual([]);
    expect(wrongNumbers).toBe(0);
    expect(unhandled).toEqual([]);
    expect(faultedRequests / REQUESTS).toBeGreaterThanOrEqual(0.2);
    expect(outcomesByKind.ok ?? 0).toBeGreaterThan(REQUESTS / 2);
    expect(maxAttempts).toBe(1 + MAX_RETRIES);
    expect(leaked).toBe(0);
    expect(faults.cutByServer()).toBe(0);
    for (const count of Object.values(openByPool)) expect(count).toBeLessThanOrEqual(CONCURRENCY);
    expect(open).toBeLessThanOrEqual(6 * CONCURRENCY);
  }, 180_000);
});
