import { describe, expect, it } from "vitest";
import {
  DEFAULT_GLTR_THRESHOLDS,
  gltrBucket,
  gltrBucketLabels,
  gltrCounts,
  gltrLabels,
} from "../../src/core/gltr.js";
import { UsageError } from "../../src/errors.js";

const ranked = (rank: number) => ({ rank, rankCensored: false, rankBound: null, logprob: -1 });
const censored = (bound: number | null) => ({
  rank: null,
  rankCensored: true,
  rankBound: bound,
  logprob: -9,
});

describe("gltrLabels", () => {
  it("derives 1-based labels from the thresholds, then censored and unknown", () => {
    expect(gltrLabels()).toEqual(["1–10", "11–100", "101–1000", ">1000", "> k (censored)", "unknown"]);
    expect(gltrLabels([1, 5, 50])).toEqual(["1", "2–5", "6–50", ">50", "> k (censored)", "unknown"]);
  });
  it("rejects thresholds that are not increasing positive integers", () => {
    expect(() => gltrLabels([])).toThrow(UsageError);
    expect(() => gltrLabels([10, 10])).toThrow(UsageError);
    expect(() => gltrLabels([0, 10])).toThrow(UsageError);
    expect(() => gltrLabels([2.5])).toThrow(UsageError);
  });
});

describe("gltrBucket", () => {
  it("§6 reference: bucket boundaries at 10/11, 100/101 and 1000/1001 (1-based ranks)", () => {
    const cases: [number, number, string][] = [
      [1, 0, "1–10"],
      [10, 0, "1–10"],
      [11, 1, "11–100"],
      [100, 1, "11–100"],
      [101, 2, "101–1000"],
      [1000, 2, "101–1000"],
      [1001, 3, ">1000"],
      [50_000, 3, ">1000"],
    ];
    for (const [rank, index, label] of cases) expect(gltrBucket(ranked(rank))).toEqual({ index, label });
  });

  it("§6 reference: a censored rank is '> k (censored)' with the row's bound, never a made-up rank", () => {
    expect(gltrBucket(censored(20))).toEqual({ index: 4, label: "> 20 (censored)" });
    expect(gltrBucket(censored(null))).toEqual({ index: 4, label: "> k (censored)" });
    // rank > 1000 is known for k ≥ 1000: the open last bucket, not "censored".
    expect(gltrBucket(censored(1000))).toEqual({ index: 3, label: ">1000" });
    expect(gltrBucket(censored(20), [5, 50])).toEqual({ index: 3, label: "> 20 (censored)" });
  });

  it("is 'unknown' for a null logprob (position 0) and for a rank neither reported nor censored", () => {
    expect(gltrBucket({ rank: null, rankCensored: false, rankBound: null, logprob: null })).toEqual({
      index: 5,
      label: "unknown",
    });
    expect(gltrBucket({ rank: null, rankCensored: false, rankBound: null, logprob: -2 }).label).toBe(
      "unknown",
    );
  });

  it("follows user thresholds", () => {
    expect(gltrBucket(ranked(3), [3, 30])).toEqual({ index: 0, label: "1–3" });
    expect(gltrBucket(ranked(4), [3, 30])).toEqual({ index: 1, label: "4–30" });
    expect(gltrBucket(ranked(31), [3, 30])).toEqual({ index: 2, label: ">30" });
  });
});

describe("gltrCounts", () => {
  it("§6 reference: GLTR's woodchuck demo (GPT-2, 0-based real_topk + 1) gives [12, 5, 1, 0]", () => {
    // HendrikStrobelt/detecting-fake-text client/src/demo/woodchuck.json, real_topk (rank, p).
    const realTopk: [number, number][] = [
      [60, 0.0021],
      [2, 0.04396],
      [170, 0.00034],
      [6, 0.04132],
      [2, 0.07556],
      [2, 0.0254],
      [27, 0.0054],
      [0, 0.70431],
      [67, 0.00178],
      [41, 0.00415],
      [12, 0.00774],
      [0, 0.08525],
      [0, 0.5378],
      [0, 0.88872],
      [3, 0.09205],
      [1, 0.04825],
      [2, 0.0646],
      [0, 0.24144],
    ];
    const rows = realTopk.map(([rank0, p]) => ({
      rank: rank0 + 1,
      rankCensored: false,
      rankBound: null,
      logprob: Math.log(p),
    }));
    const counts = gltrCounts(rows);
    expect(counts.slice(0, 4).map((c) => c.count)).toEqual([12, 5, 1, 0]);
    expect(counts[0]?.fraction).toBeCloseTo(12 / 18, 12);
  });

  it("counts scored rows only, keeps empty buckets, labels the censored bucket with a shared bound", () => {
    const rows = [
      { rank: null, rankCensored: false, rankBound: null, logprob: null },
      ranked(1),
      ranked(12),
      censored(5),
      censored(5),
    ];
    expect(gltrCounts(rows)).toEqual([
      { label: "1–10", count: 1, fraction: 0.25 },
      { label: "11–100", count: 1, fraction: 0.25 },
      { label: "101–1000", count: 0, fraction: 0 },
      { label: ">1000", count: 0, fraction: 0 },
      { label: "> 5 (censored)", count: 2, fraction: 0.5 },
      { label: "unknown", count: 0, fraction: 0 },
    ]);
    expect(gltrCounts([censored(5), censored(20)])[4]?.label).toBe("> k (censored)");
    expect(gltrCounts([])[0]?.fraction).toBeNaN();
  });
});

describe("gltrBucketLabels", () => {
  it("labels every row as gltrBucket does, for the default and other thresholds", () => {
    const rows = [
      { rank: null, rankCensored: false, rankBound: null, logprob: null },
      { rank: 1, rankCensored: false, rankBound: null, logprob: -0.1 },
      { rank: 11, rankCensored: false, rankBound: null, logprob: -3 },
      { rank: 5000, rankCensored: false, rankBound: null, logprob: -9 },
      { rank: null, rankCensored: true, rankBound: 20, logprob: -7 },
      { rank: null, rankCensored: true, rankBound: 2000, logprob: -7 },
      { rank: null, rankCensored: false, rankBound: null, logprob: -2 },
    ];
    for (const thresholds of [DEFAULT_GLTR_THRESHOLDS, [1, 5], [3]]) {
      expect(gltrBucketLabels(rows, thresholds)).toEqual(
        rows.map((row) => gltrBucket(row, thresholds).label),
      );
    }
    expect(gltrBucketLabels(rows)).toEqual([
      "unknown",
      "1–10",
      "11–100",
      ">1000",
      "> 20 (censored)",
      ">1000",
      "unknown",
    ]);
    expect(() => gltrBucketLabels(rows, [10, 5])).toThrowError(UsageError);
  });
});
