import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planWindows, type ScoringWindow } from "../../src/core/window-plan.js";
import { UsageError } from "../../src/errors.js";

/** For every token of a plan, the begin of the window that scores it (undefined: not scored). */
function scoredBy(n: number, windows: readonly ScoringWindow[]): (number | undefined)[] {
  const by = new Array<number | undefined>(n).fill(undefined);
  for (const w of windows) {
    for (let i = w.scoreFrom; i < w.end; i++) {
      expect(by[i]).toBeUndefined(); // scored exactly once
      by[i] = w.begin;
    }
  }
  return by;
}

/**
 * Hugging Face's loop (transformers docs/source/en/perplexity.md), as the begin of the window in
 * which each token is a target: `for begin_loc in range(0, seq_len, stride)`, `trg_len = end_loc -
 * prev_end_loc`, and the label shift leaves the window's first token without a prediction.
 */
function huggingFace(n: number, maxLength: number, stride: number): (number | undefined)[] {
  const by = new Array<number | undefined>(n).fill(undefined);
  let prevEnd = 0;
  for (let begin = 0; begin < n; begin += stride) {
    const end = Math.min(begin + maxLength, n);
    const trgLen = end - prevEnd;
    for (let i = Math.max(begin + 1, end - trgLen); i < end; i++) by[i] = begin;
    prevEnd = end;
    if (end === n) break;
  }
  return by;
}

/**
 * lm-evaluation-harness `get_rolling_token_windows(tokens, prefix, max_seq_len, context_len=1)` +
 * `make_disjoint_window` (lm_eval/utils.py), over seq = [prefix, ...tokens]: the begin (in seq) of
 * the prompt that predicts each token.
 */
function lmEvalRolling(n: number, maxSeqLen: number): (number | undefined)[] {
  const tokens = n - 1; // seq[0] is the prefix token
  const by = new Array<number | undefined>(n).fill(undefined);
  const predLen = maxSeqLen; // max_seq_len - context_len + 1
  const first = Math.min(maxSeqLen, tokens);
  for (let j = 0; j < first; j++) by[j + 1] = 0;
  let predicted = first;
  while (predicted < tokens) {
    const windowPredLen = Math.min(tokens - predicted, predLen);
    const windowEnd = predicted + windowPredLen;
    // input token_list[windowEnd - maxSeqLen - 1 : windowEnd - 1]: seq index windowEnd - maxSeqLen
    const begin = windowEnd - maxSeqLen;
    for (let j = windowEnd - windowPredLen; j < windowEnd; j++) by[j + 1] = begin;
    predicted += windowPredLen;
  }
  return by;
}

describe("planWindows", () => {
  it("plans Hugging Face's strided windows", () => {
    expect(planWindows(10, { window: 4, stride: 2 })).toEqual([
      { begin: 0, end: 4, scoreFrom: 1 },
      { begin: 2, end: 6, scoreFrom: 4 },
      { begin: 4, end: 8, scoreFrom: 6 },
      { begin: 6, end: 10, scoreFrom: 8 },
    ]);
    expect(planWindows(3, { window: 8, stride: 4 })).toEqual([{ begin: 0, end: 3, scoreFrom: 1 }]);
    expect(planWindows(1, { window: 8, stride: 4 })).toEqual([]);
  });

  it("scores every token but the first exactly once, as Hugging Face's loop does, with ≥ window − stride of context", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 60 }),
        fc.integer({ min: 2, max: 20 }),
        fc.integer({ min: 1, max: 19 }),
        (n, window, s) => {
          const stride = Math.min(s, window - 1);
          const windows = planWindows(n, { window, stride });
          const by = scoredBy(n, windows);
          expect(by).toEqual(huggingFace(n, window, stride));
          for (const w of windows) expect(w.end - w.begin).toBeLessThanOrEqual(window);
          by.forEach((begin, i) => {
            if (i === 0) {
              expect(begin).toBeUndefined();
              return;
            }
            expect(i - begin!).toBeGreaterThanOrEqual(Math.min(window - stride, i));
            expect(i - begin!).toBeLessThanOrEqual(window - 1);
          });
        },
      ),
    );
  });

  it("with stride = window − 1 and a full last window is lm-eval's disjoint rolling windows", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 80 }), fc.integer({ min: 2, max: 20 }), (n, window) => {
        const windows = planWindows(n, { window, stride: window - 1, fullLastWindow: true });
        expect(scoredBy(n, windows)).toEqual(lmEvalRolling(n, window - 1));
      }),
    );
    expect(planWindows(10, { window: 4, stride: 3, fullLastWindow: true })).toEqual([
      { begin: 0, end: 4, scoreFrom: 1 },
      { begin: 3, end: 7, scoreFrom: 4 },
      { begin: 6, end: 10, scoreFrom: 7 },
    ]);
    expect(planWindows(9, { window: 4, stride: 3, fullLastWindow: true })).toEqual([
      { begin: 0, end: 4, scoreFrom: 1 },
      { begin: 3, end: 7, scoreFrom: 4 },
      { begin: 5, end: 9, scoreFrom: 7 },
    ]);
  });

  it("scores a continuation in one window holding the last tokens when it fits (lm-eval's left truncation)", () => {
    // 20 tokens, continuation from 17: one window [12, 20), the context cut on the left.
    expect(planWindows(20, { window: 8, stride: 4, firstScored: 17 })).toEqual([
      { begin: 12, end: 20, scoreFrom: 17 },
    ]);
    // A continuation longer than the stride: windows of stride new tokens after the overlap.
    expect(planWindows(20, { window: 8, stride: 4, firstScored: 10 })).toEqual([
      { begin: 6, end: 14, scoreFrom: 10 },
      { begin: 10, end: 18, scoreFrom: 14 },
      { begin: 14, end: 20, scoreFrom: 18 },
    ]);
    // Short enough for one window: the whole sequence.
    expect(planWindows(6, { window: 8, stride: 4, firstScored: 4 })).toEqual([
      { begin: 0, end: 6, scoreFrom: 4 },
    ]);
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 60 }),
        fc.integer({ min: 2, max: 20 }),
        fc.integer({ min: 1, max: 19 }),
        fc.integer({ min: 1, max: 59 }),
        (n, window, s, f) => {
          const stride = Math.min(s, window - 1);
          const first = Math.min(f, n - 1);
          const by = scoredBy(n, planWindows(n, { window, stride, firstScored: first }));
          by.forEach((begin, i) => {
            if (i < first) {
              expect(begin).toBeUndefined();
              return;
            }
            expect(i - begin!).toBeGreaterThanOrEqual(Math.min(window - stride, i));
            expect(i - begin!).toBeLessThanOrEqual(window - 1);
          });
        },
      ),
    );
  });

  it("refuses windows that cannot score anything", () => {
    expect(() => planWindows(10, { window: 1, stride: 1 })).toThrowError(UsageError);
    expect(() => planWindows(10, { window: 4, stride: 4 })).toThrowError(
      /stride must be a whole number from 1 to 3/,
    );
    expect(() => planWindows(10, { window: 4, stride: 0 })).toThrowError(UsageError);
    expect(() => planWindows(10, { window: 4, stride: 2, firstScored: 0 })).toThrowError(
      /token 0 has no context/,
    );
    expect(() => planWindows(-1, { window: 4, stride: 2 })).toThrowError(UsageError);
  });
});
