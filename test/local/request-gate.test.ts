import { describe, expect, it } from "vitest";
import { RequestGate } from "../../src/local/request-gate.js";

const never = () => new AbortController().signal;

/** Whether a promise has settled after pending callbacks ran (no clock involved). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("RequestGate", () => {
  it("admits up to maxConcurrency at once, queues up to maxQueue, and turns the rest away", async () => {
    const gate = new RequestGate(2, 1);
    const first = gate.enter(never());
    const second = gate.enter(never());
    expect(first && second).toBeTruthy();
    expect(await settled(first!)).toBe(true);
    expect(gate.active).toBe(2);
    const third = gate.enter(never());
    expect(third).toBeDefined();
    expect(await settled(third!)).toBe(false);
    expect(gate.queued).toBe(1);
    expect(gate.enter(never())).toBeUndefined();
    (await first!)();
    expect(await settled(third!)).toBe(true);
    expect(gate.active).toBe(2);
    expect(gate.queued).toBe(0);
  });

  it("serves the line in arrival order, and a release given twice frees one slot", async () => {
    const gate = new RequestGate(1, 3);
    const release = await gate.enter(never())!;
    const order: string[] = [];
    const waiting = ["a", "b", "c"].map((name) =>
      gate.enter(never())!.then((next) => {
        order.push(name);
        return next;
      }),
    );
    release();
    release();
    await settled(waiting[0]!);
    expect(order).toEqual(["a"]);
    expect(gate.active).toBe(1);
    (await waiting[0]!)();
    (await waiting[1]!)();
    await waiting[2];
    expect(order).toEqual(["a", "b", "c"]);
  });

  it("drops a waiting request whose client left, so it holds no place in line", async () => {
    const gate = new RequestGate(1, 1);
    const release = await gate.enter(never())!;
    const leaving = new AbortController();
    const waiting = gate.enter(leaving.signal)!;
    expect(gate.enter(never())).toBeUndefined();
    leaving.abort(new Error("client closed"));
    await expect(waiting).rejects.toThrow("client closed");
    expect(gate.queued).toBe(0);
    const next = gate.enter(never());
    expect(next).toBeDefined();
    release();
    expect(await settled(next!)).toBe(true);
    expect(gate.active).toBe(1);
  });

  it("refuses a request whose client is already gone without taking a slot", async () => {
    const gate = new RequestGate(1, 0);
    const gone = new AbortController();
    gone.abort(new Error("gone"));
    await expect(gate.enter(gone.signal)).rejects.toThrow("gone");
    expect(gate.active).toBe(0);
  });
});
