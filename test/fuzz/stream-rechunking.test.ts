import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ServerError } from "../../src/errors.js";
import { fromResponse } from "../../src/from-response.js";
import { NdjsonDecoder } from "../../src/http/ndjson-decoder.js";
import { SseDecoder, type StreamEvent } from "../../src/http/sse-decoder.js";
import { DIALECTS } from "../../src/providers/dialects.js";
import { GeneratedStreamParser } from "../../src/providers/generated-stream-parser.js";
import type { Dialect } from "../../src/providers/parsed-sequence.js";
import { LogprobResult } from "../../src/result.js";
import { tokenRow } from "../fixtures/rows.js";
import { CASES_PER_PARSER, FUZZ_TIMEOUT_MS, fuzzParameters } from "./fuzz-settings.js";
import { checkSequence } from "./invariants.js";
import {
  chunk,
  cutsArbitrary,
  ndjsonFraming,
  type Outcome,
  pushChunks,
  pushPayloads,
  STREAMS,
  type StreamCase,
  SUFFIXES,
  sseFraming,
  withText,
  writeNdjson,
  writeSse,
} from "./streams.js";

const encoder = new TextEncoder();

// Property (a) of issue 7: a valid stream cut into chunks anywhere — inside a multi-byte UTF-8
// character, between `\r` and `\n`, inside `data:` — decodes and parses exactly as its events
// pushed one by one, whatever its framing (line ends, BOM, comments, extra fields, pretty JSON).

describe("re-chunking a valid stream gives the same result, per stream parser", {
  timeout: FUZZ_TIMEOUT_MS,
}, () => {
  for (const dialect of Object.keys(STREAMS) as Dialect[]) {
    it(`${dialect} (${DIALECTS[dialect].framing})`, () => {
      const cases = STREAMS[dialect];
      const reference = new Map<string, { payloads: unknown[]; outcome: Outcome; json: string }>();
      const expected = (index: number, suffix: string) => {
        const key = `${index}\u0000${suffix}`;
        let hit = reference.get(key);
        if (!hit) {
          const payloads = withText(cases[index].payloads, suffix) as unknown[];
          const outcome = pushPayloads(cases[index], payloads);
          if ("sequence" in outcome) checkSequence(outcome.sequence);
          sameAsFromResponse(cases[index], payloads, outcome);
          hit = { payloads, outcome, json: JSON.stringify(outcome) };
          reference.set(key, hit);
        }
        return hit;
      };
      const framing = DIALECTS[dialect].framing === "sse" ? sseFraming : ndjsonFraming;
      fc.assert(
        fc.property(
          fc.nat(cases.length - 1),
          fc.constantFrom(...SUFFIXES),
          framing,
          cutsArbitrary,
          (index, suffix, frame, cuts) => {
            const { payloads, outcome, json } = expected(index, suffix);
            const text =
              "eol" in frame && "space" in frame
                ? writeSse(payloads, frame)
                : writeNdjson(payloads, frame as Parameters<typeof writeNdjson>[1]);
            const got = pushChunks(cases[index], chunk(encoder.encode(text), cuts));
            // Compare as JSON first (fast); on a difference let expect() show it.
            if (JSON.stringify(got) !== json) expect(got).toEqual(outcome);
          },
        ),
        fuzzParameters(CASES_PER_PARSER),
      );
      // The recorded streams end properly or with an error event; both came through.
      const outcomes = [...reference.values()].map((r) => r.outcome);
      expect(outcomes.some((o) => "sequence" in o && o.sequence.rows.length > 0)).toBe(true);
    });
  }
});

/** fromResponse reads the captured stream (whole text) into the same rows, or fails the same way. */
function sameAsFromResponse(c: StreamCase, payloads: unknown[], outcome: Outcome): void {
  const text =
    DIALECTS[c.dialect].framing === "sse"
      ? writeSse(payloads, {
          eol: "\n",
          space: true,
          bom: false,
          comments: false,
          fields: false,
          multiline: false,
          terminated: true,
        })
      : writeNdjson(payloads, { eol: "\n", blank: "", bom: false, terminated: true });
  let result: LogprobResult | Error;
  try {
    result = fromResponse(text, c.hints);
  } catch (error) {
    result = error as Error;
  }
  if ("sequence" in outcome) {
    expect(result).toBeInstanceOf(LogprobResult);
    const rows = (result as LogprobResult).rows.map(({ charStart, charEnd, ...row }) => row);
    expect(rows).toEqual(outcome.sequence.rows);
  } else {
    expect((result as Error).name).toBe(outcome.error);
  }
}

/** Text without line breaks (a field value), in any script, BOM and NUL included. */
const fieldText = fc.string({ unit: "binary", maxLength: 12 }).filter((s) => !/[\r\n]/.test(s));

const sseEvent = fc.record({
  event: fc.option(
    fieldText.filter((s) => s !== ""),
    { nil: undefined },
  ),
  id: fc.option(
    fieldText.filter((s) => !s.includes("\0")),
    { nil: undefined },
  ),
  lines: fc.array(fieldText, { minLength: 1, maxLength: 3 }),
});

describe("SseDecoder: random chunks of a random event stream", { timeout: FUZZ_TIMEOUT_MS }, () => {
  it("yields the events as written, whatever the chunking", () => {
    fc.assert(
      fc.property(fc.array(sseEvent, { maxLength: 6 }), sseFraming, cutsArbitrary, (events, frame, cuts) => {
        const eol = frame.eol;
        let text = frame.bom ? "\uFEFF" : "";
        const expected: StreamEvent[] = [];
        events.forEach((e, i) => {
          if (frame.comments) text += `:${e.lines[0]}${eol}`;
          if (e.event !== undefined) text += `event:${frame.space ? " " : ""}${e.event}${eol}`;
          if (e.id !== undefined) text += `id: ${e.id}${eol}`;
          // One space after the colon is the separator; the value keeps any further ones.
          for (const line of e.lines) text += `data: ${line}${eol}`;
          const last = i === events.length - 1;
          if (!last || frame.terminated) text += eol;
          const event = e.event !== undefined && frame.space ? e.event : e.event?.replace(/^ /, "");
          expected.push({
            event: event === "" ? undefined : event,
            data: e.lines.join("\n"),
            id: e.id,
            ...(last && !frame.terminated ? { unterminated: true } : {}),
          });
        });
        const decoder = new SseDecoder();
        const got: StreamEvent[] = [];
        for (const piece of chunk(encoder.encode(text), cuts)) got.push(...decoder.push(piece));
        got.push(...decoder.end());
        expect(got).toEqual(expected);
      }),
      fuzzParameters(CASES_PER_PARSER),
    );
  });
});

describe("NdjsonDecoder: random chunks of random lines", { timeout: FUZZ_TIMEOUT_MS }, () => {
  it("yields the non-blank lines as written, whatever the chunking", () => {
    const line = fc
      .string({ unit: "binary", maxLength: 16 })
      .filter((s) => !s.includes("\n") && !s.endsWith("\r") && /[^ \t\r]/.test(s));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), ndjsonFraming, cutsArbitrary, (lines, frame, cuts) => {
        const text = writeNdjsonLines(lines, frame);
        const decoder = new NdjsonDecoder();
        const got: string[] = [];
        for (const piece of chunk(encoder.encode(text), cuts)) got.push(...decoder.push(piece));
        const tail = decoder.end();
        if (tail) got.push(`${tail.line}␄`);
        const expected = lines.map((l, i) => (i === lines.length - 1 && !frame.terminated ? `${l}␄` : l));
        // A leading BOM of the body is dropped; one inside the first line is data.
        if (!frame.bom && expected[0]?.startsWith("\uFEFF")) expected[0] = expected[0].slice(1);
        expect(got).toEqual(expected);
      }),
      fuzzParameters(CASES_PER_PARSER),
    );
  });
});

function writeNdjsonLines(
  lines: readonly string[],
  f: { eol: string; blank: string; bom: boolean; terminated: boolean },
) {
  const blank = f.blank === "" ? "" : `${f.blank}${f.eol}`;
  return (
    (f.bom ? "\uFEFF" : "") + lines.join(f.eol + blank) + (lines.length > 0 && f.terminated ? f.eol : "")
  );
}

describe("GeneratedStreamParser: any order of events, [DONE] and errors", {
  timeout: FUZZ_TIMEOUT_MS,
}, () => {
  it("keeps every row before its end, ignores what follows, and carries the rows into a ServerError", () => {
    const step = fc.oneof(
      fc.record({ rows: fc.nat(3), done: fc.boolean() }),
      fc.constant("[DONE]" as const),
      fc.constant({ error: "overloaded", error_type: "generation" }),
      fc.constant({ error: { message: "bad", type: "BadRequestError", code: 400 } }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const parser = new GeneratedStreamParser("tgi", "in the test stream", (payload, seen) => {
          const { rows, done } = payload as { rows: number; done: boolean };
          return {
            rows: Array.from({ length: rows }, (_, i) =>
              tokenRow({ position: seen + i, tokenId: seen + i, token: "t", isPrompt: false }),
            ),
            done,
            finishReason: done ? "length" : null,
          };
        });
        let expectedRows = 0;
        let done = false;
        for (const s of steps) {
          // Plain checks, not expect(): this loop runs ~60,000 times.
          if (done) {
            if (parser.push(s).length !== 0) throw new Error("a push after the end added rows");
          } else if (s === "[DONE]") {
            parser.push(s);
            done = true;
          } else if ("error" in s) {
            const error = thrownBy(() => parser.push(s));
            if (!(error instanceof ServerError) || error.partial.length !== expectedRows)
              throw new Error(`expected a ServerError carrying ${expectedRows} row(s); got ${String(error)}`);
          } else {
            if (parser.push(s).length !== s.rows) throw new Error("push did not return the event's rows");
            expectedRows += s.rows;
            done = s.done;
          }
        }
        const result = parser.result();
        checkSequence(result);
        expect(result.rows).toHaveLength(expectedRows);
        expect(parser.done).toBe(done);
        expect(result.incomplete).toBe(done ? undefined : true);
      }),
      fuzzParameters(CASES_PER_PARSER),
    );
  });
});

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
