/** Gives back a slot of a `RequestGate`; calling it again does nothing. @example const release = await gate.enter(signal)!; release(); */
export type Release = () => void;

/**
 * Admission control for the embedded server's CPU-bound work: at most `maxConcurrency` requests
 * hold a slot at once (a stream holds its slot until it ends), up to `maxQueue` more wait in line
 * in arrival order, and anything beyond that is turned away at once, so an overloaded server
 * answers "retry later" instead of piling up requests in memory.
 *
 * @example
 * const gate = new RequestGate(2, 64);
 * const admitted = gate.enter(signal);
 * if (!admitted) return sendOverloaded(res); // the line is full
 * const release = await admitted;
 * try { await work(); } finally { release(); }
 */
export class RequestGate {
  readonly maxConcurrency: number;
  readonly maxQueue: number;
  private running = 0;
  private readonly line: (() => void)[] = [];

  constructor(maxConcurrency: number, maxQueue: number) {
    this.maxConcurrency = maxConcurrency;
    this.maxQueue = maxQueue;
  }

  /** Requests holding a slot now. */
  get active(): number {
    return this.running;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.line.length;
  }

  /**
   * A slot now, a place in line, or `undefined` when the line is full. A waiting request whose
   * `signal` aborts (its client went away) leaves the line and the promise rejects with the reason.
   */
  enter(signal: AbortSignal): Promise<Release> | undefined {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.running < this.maxConcurrency) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.line.length >= this.maxQueue) return undefined;
    return new Promise<Release>((resolve, reject) => {
      const start = () => {
        signal.removeEventListener("abort", leave);
        this.running++;
        resolve(this.releaser());
      };
      const leave = () => {
        const at = this.line.indexOf(start);
        if (at >= 0) this.line.splice(at, 1);
        reject(signal.reason);
      };
      this.line.push(start);
      signal.addEventListener("abort", leave, { once: true });
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.line.shift()?.();
    };
  }
}
