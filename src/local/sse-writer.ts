import type { ServerResponse } from "node:http";
import { ApiError } from "./api-error.js";

/** How one dialect frames its server-sent events. @example const framing: SseFraming = { prefix: "data:", headers: { "content-type": "text/event-stream" } }; */
export interface SseFraming {
  /** `"data: "` (vLLM, OpenAI, DeepInfra/DEVUP) or `"data:"` (TGI's axum, no space). */
  prefix: "data: " | "data:";
  /** Response headers besides the status (content-type and friends). */
  headers: Record<string, string>;
}

/**
 * Writes server-sent events to one response, each flushed as soon as it is written (chunked
 * transfer, Nagle off), and notices when the client goes away so generation can stop.
 *
 * @example
 * const sse = new SseWriter(res, { prefix: "data: ", headers: { "content-type": "text/event-stream" } });
 * await sse.event('{"token":…}'); sse.end();
 */
export class SseWriter {
  private readonly res: ServerResponse;
  private readonly prefix: string;
  private gone = false;
  private stopped = false;

  constructor(res: ServerResponse, framing: SseFraming) {
    this.res = res;
    this.prefix = framing.prefix;
    res.on("close", () => {
      this.gone = true;
    });
    res.socket?.setNoDelay(true);
    res.writeHead(200, framing.headers);
    res.flushHeaders();
  }

  /** True once the connection closed (client disconnect) or the stream was ended. */
  get closed(): boolean {
    const socket = this.res.socket;
    return this.gone || this.res.writableEnded || this.res.destroyed || !socket || socket.destroyed;
  }

  /**
   * True once the client left or the server asked the stream to stop (graceful shutdown): the
   * generation loop stops at the next token either way.
   */
  get cancelled(): boolean {
    return this.stopped || this.closed;
  }

  /** Asks the stream to stop at its next token (the server is shutting down); it then ends with an error event. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Throws the shutdown error when `stop()` was called and the client is still there, so the
   * dialect's error handler writes it as its error event before the stream's terminator.
   */
  throwIfStopped(): void {
    if (this.stopped && !this.closed) {
      throw new ApiError(
        503,
        "The server is shutting down: this stream was ended before the sequence finished; send the request again.",
        null,
        "ServiceUnavailableError",
      );
    }
  }

  /** Writes `<prefix><data>\n\n`; waits for the socket to drain when its buffer is full. */
  async event(data: string): Promise<void> {
    if (this.closed) return;
    if (this.res.write(`${this.prefix}${data}\n\n`) || this.closed) return;
    // A full socket buffer: wait until it drains, or until the connection is gone (checked on a
    // timer too, as a socket destroyed mid-write may have emitted its events already).
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => this.closed && done(), 50);
      const done = () => {
        clearInterval(timer);
        this.res.off("drain", done);
        this.res.off("close", done);
        this.res.off("error", done);
        resolve();
      };
      this.res.on("drain", done);
      this.res.on("close", done);
      this.res.on("error", done);
    });
  }

  /** Ends the response (no-op when the client is already gone). */
  end(): void {
    if (!this.closed) this.res.end();
  }
}

/** Yields to the event loop so socket events (a client disconnect) are seen between tokens. @example await nextTurn(); */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
