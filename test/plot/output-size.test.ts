import { describe, expect, it } from "vitest";
import { choices } from "../../src/plot/choices.js";
import { compare } from "../../src/plot/compare.js";
import { entropy } from "../../src/plot/entropy.js";
import type { FigureSpec } from "../../src/plot/figure-spec.js";
import { logprobs } from "../../src/plot/logprobs.js";
import { overview } from "../../src/plot/overview.js";
import { rankCdf, rankHistogram, ranks } from "../../src/plot/ranks.js";
import { surprisal } from "../../src/plot/surprisal.js";
import { temperature } from "../../src/plot/temperature.js";
import { topK } from "../../src/plot/top-k.js";
import { longDocument } from "./long-document.js";

// Structural properties that keep a chart's notebook output small as results grow (issue 6): the
// sizes themselves are measured by `npm run bench` (bench/output.mjs).
const doc = longDocument(400, { topK: 20 });
const figures: Record<string, FigureSpec> = {
  surprisal: surprisal(doc),
  logprobs: logprobs(doc),
  ranks: ranks(doc),
  rankHistogram: rankHistogram(doc),
  rankCdf: rankCdf(doc),
  topK: topK(doc),
  entropy: entropy(doc),
  temperature: temperature(doc, 7),
  overview: overview(doc),
  compare: compare(doc, doc),
  choices: choices({
    choices: [0, 1].map((i) => ({ label: doc.text.slice(i * 900, i * 900 + 900), totalLogprob: -10 - i })),
  }),
};

/** The numbers of the figure's per-point arrays (10 or more items, nested ones included), as JSON. */
function pointNumbers(value: unknown, inArray = false): string[] {
  if (typeof value === "number") return inArray ? [JSON.stringify(value)] : [];
  if (Array.isArray(value)) return value.flatMap((v) => pointNumbers(v, inArray || value.length >= 10));
  if (value && typeof value === "object")
    return Object.values(value).flatMap((v) => pointNumbers(v, inArray));
  return [];
}

describe.each(Object.entries(figures))("plot.%s output", (_name, spec) => {
  it("rounds the numbers of its per-point arrays (no 17-digit floats): at most 6 significant digits", () => {
    const long = pointNumbers(spec).filter((n) => n.replace(/^-?0*\.?0*|\.|e.*/g, "").length > 6);
    expect(long).toEqual([]);
  });

  it("says its hover labels once per trace, not once per point", () => {
    const json = JSON.stringify(spec);
    // Each hover word appears at most a few times per trace (templates, names, titles)…
    for (const word of ["logprob", "rank", "position", "nats", "bits"]) {
      const count = json.split(word).length - 1;
      expect(count, `"${word}" × ${count}`).toBeLessThanOrEqual(4 * spec.data.length + 8);
    }
    // …and no string is repeated for every point.
    const strings = json.match(/"(?:[^"\\]|\\.){12,}"/g) ?? [];
    const counts = new Map<string, number>();
    for (const s of strings) counts.set(s, (counts.get(s) ?? 0) + 1);
    const repeated = [...counts].filter(([, c]) => c > 40);
    expect(repeated).toEqual([]);
  });
});
