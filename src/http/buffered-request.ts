import type { Dispatcher } from "undici";

/**
 * A whole answer read into memory.
 *
 * @example
 * const a: BufferedAnswer = { statusCode: 200, headers: { "content-type": "application/json" }, text: "{}" };
 */
export interface BufferedAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body decoded as UTF-8 (without a byte-order mark). */
  text: string;
}

/**
 * What `bufferedRequest` rejects with when the attempt's deadline passes before the body is read.
 *
 * @example
 * if (error instanceof DeadlineExceeded) console.log("timed out");
 */
export class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = "DeadlineExceeded";
  }
}

/**
 * One HTTP exchange on `dispatcher`, the body read whole, within a deadline (`timeoutMs` for the
 * headers and the body together) and abortable by `signal` (rejecting with its reason). Dropping
 * to undici's dispatch API skips what `request()` builds per call for a streaming body — a Readable,
 * an AbortSignal pair, listeners — which is most of a small JSON request's cost on a busy client.
 * Transport errors (refused, reset, undici's own timeouts) reject as undici raises them.
 *
 * @example
 * const a = await bufferedRequest(agent, "http://127.0.0.1:8000/v1/models", { method: "GET", headers: {}, timeoutMs: 5000 });
 */
export function bufferedRequest(
  dispatcher: Dispatcher,
  url: string,
  init: {
    method: "GET" | "POST";
    headers: Record<string, string>;
    body?: string;
    signal?: AbortSignal;
    timeoutMs: number;
  },
): Promise<BufferedAnswer> {
  const { signal } = init;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const { origin, path } = partsOf(url);
  return new Promise<BufferedAnswer>((resolve, reject) => {
    const exchange = new Exchange(resolve, reject, signal, init.timeoutMs);
    dispatcher.dispatch(
      { origin, path, method: init.method, headers: init.headers, body: init.body },
      exchange,
    );
  });
}

/**
 * One exchange's state and undici's handler for it, as one object with its methods on the
 * prototype: a closure per callback would be a dozen allocations per request. It also listens for
 * the abort (`handleEvent`) and is the deadline timer's argument.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private reason: Error | undefined;
  private settled = false;
  private statusCode = 0;
  private headers: BufferedAnswer["headers"] = {};
  private readonly chunks: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly resolve: (answer: BufferedAnswer) => void,
    private readonly reject: (error: Error) => void,
    private readonly signal: AbortSignal | undefined,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(expire, timeoutMs, this, timeoutMs);
    signal?.addEventListener("abort", this, ONCE);
  }

  /** The abort signal fired. */
  handleEvent(): void {
    this.stop(this.signal?.reason);
  }

  /** Stops the exchange where it is: in the pool's queue (aborted when it starts) or in flight. */
  stop(error: Error): void {
    if (this.settled) return;
    this.settle();
    this.reason = error;
    this.controller?.abort(error);
    this.reject(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.reason) controller.abort(this.reason);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: BufferedAnswer["headers"],
  ): void {
    this.statusCode = status;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settle();
    const { chunks } = this;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    // A leading UTF-8 byte-order mark is dropped, as undici's body.text() does.
    const bom = body.length > 2 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
    this.resolve({
      statusCode: this.statusCode,
      headers: this.headers,
      text: body.toString("utf8", bom ? 3 : 0),
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    this.settle();
    this.reject(error);
  }

  private settle(): void {
    this.settled = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this);
  }
}

const ONCE = { once: true };

function expire(exchange: Exchange, timeoutMs: number): void {
  exchange.stop(new DeadlineExceeded(timeoutMs));
}

/**
 * A URL's origin and path (with the query), remembered: a client sends to a handful of URLs, and
 * parsing one costs more than the rest of a small request's set-up.
 */
function partsOf(url: string): { origin: string; path: string } {
  let parts = urlParts.get(url);
  if (parts === undefined) {
    const { origin, pathname, search } = new URL(url);
    parts = { origin, path: pathname + search };
    if (urlParts.size >= 64) urlParts.clear();
    urlParts.set(url, parts);
  }
  return parts;
}

const urlParts = new Map<string, { origin: string; path: string }>();
