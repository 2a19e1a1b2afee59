import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromIPC } from "@uwdata/flechette";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scoreMany } from "../../src/client/scoring/score-many.js";
import { ScoreManyError } from "../../src/client/scoring/score-many-error.js";
import type { ScoreManyReport } from "../../src/client/scoring/score-many-report.js";
import { TransportError, UsageError } from "../../src/errors.js";
import { inProcessEndpoint } from "./in-process-endpoint.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "score-many-stream-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const textOf = (i: number) => `Sentence number ${i} is short.`;

/** A corpus that exists only as it is read, counting how far it has been read. */
function corpus(n: number, seen: { pulled: number }) {
  return (async function* () {
    for (let i = 0; i < n; i++) {
      seen.pulled++;
      yield i === 7 ? "" : textOf(i);
    }
  })();
}

const jsonLines = async (path: string) =>
  (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));

/**
 * Streams `n` texts to `output` and returns the most results ever held at once: texts read from
 * the source whose record was not yet handed to the writer (in flight or being written).
 */
async function maxRetained(n: number, output: string, concurrency: number) {
  const { endpoint } = inProcessEndpoint();
  const seen = { pulled: 0 };
  let finished = 0;
  let most = 0;
  const error = await scoreMany(endpoint, corpus(n, seen), {
    output,
    concurrency,
    topK: 1,
    progress: false,
    batchRows: 16,
    onProgress: (p) => {
      finished = p.done;
      most = Math.max(most, seen.pulled - finished);
    },
  }).catch((e) => e);
  return { most, error: error as ScoreManyError, pulled: seen.pulled };
}

describe("scoreMany over an async iterable with an output file", () => {
  it("holds at most `concurrency` results at once, for 60 texts as for 600, and keeps none", async () => {
    const small = await maxRetained(60, join(dir, "small.jsonl"), 4);
    const large = await maxRetained(600, join(dir, "large.jsonl"), 4);
    expect(large.pulled).toBe(600);
    expect(small.most).toBeLessThanOrEqual(4);
    expect(large.most).toBeLessThanOrEqual(4);
    expect(large.most).toBeGreaterThan(1); // it did run texts concurrently
    // Text 7 is empty: one typed failure; the run's return holds counts, not results.
    expect(large.error).toBeInstanceOf(ScoreManyError);
    expect(large.error.results).toEqual([]);
    expect(large.error.failures.map((f) => f.index)).toEqual([7]);
    expect(large.error.failures[0].error).toBeInstanceOf(UsageError);
    const report = large.error.report as ScoreManyReport;
    expect(report).toMatchObject({ total: 600, done: 599, failed: 1, format: "jsonl" });
    expect(large.error.message).toContain("1 of 600 texts failed");
    const lines = await jsonLines(join(dir, "large.jsonl"));
    expect(lines).toHaveLength(600);
    expect(new Set(lines.map((l) => l.index)).size).toBe(600);
    const fails = lines.filter((l) => l.error);
    expect(fails).toEqual([
      { index: 7, text: "", error: { name: "UsageError", message: expect.stringContaining("non-empty") } },
    ]);
    const ok = lines.filter((l) => !l.error);
    const tokens = ok.reduce((sum, l) => sum + l.summary.tokenCount, 0);
    const total = ok.reduce((sum, l) => sum + l.summary.totalLogprob, 0);
    expect(report.tokenCount).toBe(tokens);
    expect(report.totalLogprob).toBeCloseTo(total, 6);
    expect(report.perplexity).toBeCloseTo(Math.exp(-total / tokens), 6);
  }, 120_000); // a hang guard for a shared machine, not a speed limit

  it("writes an Arrow IPC stream in batches, the same records as the JSONL", async () => {
    const { endpoint } = inProcessEndpoint();
    const texts = Array.from({ length: 40 }, (_, i) => textOf(i));
    const arrow = join(dir, "out", "scores.arrow");
    const report = await scoreMany(endpoint, new Set(texts), {
      output: arrow,
      topK: 2,
      progress: false,
      batchRows: 16,
    });
    expect(report).toMatchObject({ total: 40, done: 40, failed: 0, format: "arrow", output: arrow });
    const summaries = (await scoreMany(endpoint, texts, {
      output: join(dir, "scores.jsonl"),
      topK: 2,
      progress: false,
    })) as any[];
    expect(summaries).toHaveLength(40);
    const jsonl = await jsonLines(join(dir, "scores.jsonl"));
    const table = tableFromIPC(await readFile(arrow));
    expect(table.numRows).toBe(40);
    expect(table.getChild("index").data.map((batch: any) => batch.length)).toEqual([16, 16, 8]);
    const rows = table.toArray() as any[];
    for (const row of rows) {
      const line = jsonl.find((l) => l.index === row.index)!;
      expect(row.text).toBe(line.text);
      expect(row.total_logprob).toBe(line.summary.totalLogprob);
      expect(row.token_count).toBe(line.summary.tokenCount);
      expect(row.error_name).toBeNull();
      const tokens = row.tokens.map((t: any) => ({
        ...t,
        alternatives: t.alternatives.map((a: any) => ({ ...a })),
      }));
      expect(tokens).toEqual(line.tokens);
      expect(summaries[row.index].totalLogprob).toBe(row.total_logprob);
    }
  });

  it("reads a sync iterable to its end without an output, results in input order", async () => {
    const { endpoint } = inProcessEndpoint();
    const results = (await scoreMany(endpoint, new Set([textOf(1), textOf(2), textOf(3)]), {
      progress: false,
    })) as any[];
    expect(results.map((r) => r.text)).toEqual([textOf(1), textOf(2), textOf(3)]);
  });

  it("refuses a lone string, and stops reading once aborted", async () => {
    const { endpoint } = inProcessEndpoint();
    await expect(scoreMany(endpoint, "one text" as any)).rejects.toThrowError(/use lab.score/);
    const controller = new AbortController();
    const seen = { pulled: 0 };
    const error = await scoreMany(endpoint, corpus(500, seen), {
      output: join(dir, "aborted.jsonl"),
      concurrency: 2,
      progress: false,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 10) controller.abort(new Error("enough"));
      },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe("ABORTED");
    expect(seen.pulled).toBeLessThan(20);
    expect((await jsonLines(join(dir, "aborted.jsonl"))).length).toBeGreaterThanOrEqual(10);
  });

  it("rethrows an error of the source itself after closing the file", async () => {
    const { endpoint } = inProcessEndpoint();
    const broken = (async function* () {
      yield textOf(0);
      throw new Error("disk gone");
    })();
    const output = join(dir, "broken.jsonl");
    await expect(scoreMany(endpoint, broken, { output, progress: false })).rejects.toThrowError("disk gone");
    expect((await jsonLines(output)).map((l) => l.index)).toEqual([0]);
  });
});
