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
  const { origin, pathname, search } = new URL(url);
  return new Promise<BufferedAnswer>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let reason: Error | undefined;
    let settled = false;
    let statusCode = 0;
    let headers: BufferedAnswer["headers"] = {};
    const chunks: Buffer[] = [];
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    // Stops the exchange where it is: in the pool's queue (aborted when it starts) or in flight.
    const stop = (error: Error) => {
      if (settled) return;
      settle();
      reason = error;
      controller?.abort(error);
      reject(error);
    };
    const onAbort = () => stop(signal?.reason);
    const timer = setTimeout(() => stop(new DeadlineExceeded(init.timeoutMs)), init.timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    dispatcher.dispatch(
      { origin, path: pathname + search, method: init.method, headers: init.headers, body: init.body },
      {
        onRequestStart(c) {
          controller = c;
          if (reason) c.abort(reason);
        },
        onResponseStart(_c, status, responseHeaders) {
          statusCode = status;
          headers = responseHeaders;
        },
        onResponseData(_c, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          if (settled) return;
          settle();
          const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
          // A leading UTF-8 byte-order mark is dropped, as undici's body.text() does.
          const bom = body.length > 2 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
          resolve({ statusCode, headers, text: body.toString("utf8", bom ? 3 : 0) });
        },
        onResponseError(_c, error) {
          if (settled) return;
          settle();
          reject(error);
        },
      },
    );
  });
}
