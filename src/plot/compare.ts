import { assembleText } from "../core/assemble-text.js";
import { escapePlotly } from "../core/escape-html.js";
import { type Segmenter, type WordSpan, wordSpans } from "../core/words.js";
import { UsageError } from "../errors.js";
import { DEFAULT_CONFIG, type FigureSpec } from "./figure-spec.js";
import { plotlyText } from "./hover.js";
import { type PaletteName, palette } from "./palette.js";
import type { HasRows } from "./surprisal.js";

/** A result to compare: its rows and text (a `LogprobResult`); without `text` it is rebuilt from the rows. */
export type CompareInput = HasRows & { readonly text?: string; readonly model?: string };

export interface CompareOptions {
  /** Surprisal unit (default "bits"). */
  unit?: "bits" | "nats";
  palette?: PaletteName;
  title?: string;
  height?: number;
  /** Names of the two results in the legend and hover (default: their models when they differ, else "a" and "b"). */
  names?: readonly [string, string];
  /**
   * "text" (default): both results must score the same text. "suffix": compare only the words of
   * their longest common ending — the same continuation scored after two different prompts.
   */
  align?: "text" | "suffix";
  /** Word splitter passed to `wordSpans` (default `Intl.Segmenter` words). */
  segmenter?: Segmenter;
  /** Label every word on the x axis up to this many words (default 80). */
  maxTickLabels?: number;
}

/**
 * Per-word difference in surprisal between two results for the same text — two models, two
 * endpoints, or two prompts before the same continuation (`align: "suffix"`). Tokenizers may
 * differ: words are aligned on character offsets (`wordSpans`), each word's surprisal being the
 * sum over its tokens. Bars show Δ = b − a per word, words on the x axis, each bar labelled with
 * its signed value (up = b more surprised, down = a more surprised; colour repeats it). A word one
 * side cannot score (position 0, an unknown logprob) gets an "n/a" marker, not a bar.
 * Texts that differ throw a UsageError naming the first differing character.
 *
 * @example
 * const spec = compare(resultModelA, resultModelB, { names: ["llama-8b", "embedded"] });
 */
export function compare(a: CompareInput, b: CompareInput, options: CompareOptions = {}): FigureSpec {
  const unit = options.unit ?? "bits";
  const toUnit = unit === "bits" ? 1 : Math.LN2;
  const colors = palette(options.palette);
  const textA = a.text ?? assembleText(a.rows).text;
  const textB = b.text ?? assembleText(b.rows).text;
  const [nameA, nameB] = options.names ?? defaultNames(a.model, b.model);
  const named = nameA !== "a" || nameB !== "b";
  const pairs = alignWords(a, textA, b, textB, options);
  const deltas = pairs.map(([wa, wb]) =>
    wa.surprisalBits === null || wb.surprisalBits === null
      ? null
      : (wb.surprisalBits - wa.surprisalBits) * toUnit,
  );
  const labels = pairs.map(([w]) => plotlyText(w.text));
  // Per word only the values; names, units and labels live once in the hover template (a word
  // with a side that has no value is drawn apart, and there every value carries its unit).
  const value = (w: WordSpan, apart: boolean) => {
    if (w.surprisalBits === null) return "n/a";
    const v = w.surprisalBits * toUnit;
    return apart ? `${v.toFixed(2)} ${unit}` : round(v);
  };
  const custom = pairs.map(([wa, wb], i) => {
    const apart = deltas[i] === null;
    return [labels[i], value(wa, apart), wa.tokenCount, value(wb, apart), wb.tokenCount];
  });
  const deltaText = (i: number) => (deltas[i] === null ? "n/a" : signed(deltas[i] as number));
  const indices = pairs.map((_, i) => i);
  const pick = (test: (d: number) => boolean) =>
    indices.filter((i) => deltas[i] !== null && test(deltas[i] as number));
  const up = pick((d) => d >= 0);
  const down = pick((d) => d < 0);
  const missing = indices.filter((i) => deltas[i] === null);
  const maxTicks = options.maxTickLabels ?? 80;
  const ticks = pairs.length <= maxTicks;
  const template = (number: string, u: string, delta: string) =>
    `<b>%{customdata[0]}</b><br>${escapePlotly(nameA)}: %{customdata[1]${number}}${u} (%{customdata[2]} token(s))<br>` +
    `${escapePlotly(nameB)}: %{customdata[3]${number}}${u} (%{customdata[4]} token(s))<br>` +
    `Δ (b − a): ${delta}<extra></extra>`;
  const bars = (which: number[], name: string, color: string, pattern: string) => ({
    type: "bar",
    name,
    x: which,
    y: which.map((i) => round(deltas[i] as number)),
    // Labels on the bars while the words are labelled too; beyond that they would overlap.
    ...(ticks ? { text: which.map(deltaText), textposition: "outside" } : {}),
    cliponaxis: false,
    customdata: which.map((i) => custom[i]),
    hovertemplate: template(":.2f", ` ${unit}`, `%{y:+.2f} ${unit}`),
    marker: { color, line: { color: "#333333", width: 0.5 }, pattern: { shape: pattern } },
  });
  const data: Record<string, unknown>[] = [
    bars(up, `${escapePlotly(nameB)} more surprised (Δ > 0)`, colors.secondary, ""),
    bars(down, `${escapePlotly(nameA)} more surprised (Δ < 0)`, colors.primary, "/"),
  ];
  if (missing.length > 0) {
    data.push({
      type: "scatter",
      mode: "markers+text",
      name: "not scored on one side (n/a)",
      x: missing,
      y: missing.map(() => 0),
      text: missing.map(deltaText),
      textposition: "top center",
      customdata: missing.map((i) => custom[i]),
      hovertemplate: template("", "", "n/a"),
      marker: { color: "#333333", symbol: "x-thin-open", size: 9, line: { width: 2 } },
    });
  }
  const total = deltas.reduce<number>((sum, d) => sum + (d ?? 0), 0);
  return {
    data,
    layout: {
      title: {
        text:
          `${escapePlotly(options.title ?? "Δ surprisal per word (b − a)")}<br><sub>` +
          `${named ? `a = ${escapePlotly(nameA)}, b = ${escapePlotly(nameB)} · ` : ""}${pairs.length} words · ` +
          `Σ Δ over scored words = ${signed(total)} ${unit}</sub>`,
        y: 1,
        yanchor: "top",
        pad: { t: 12 },
      },
      height: options.height ?? 440,
      margin: { t: 110, r: 20, b: ticks ? 100 : 50, l: 70 },
      barmode: "overlay",
      showlegend: true,
      legend: { orientation: "h", x: 0, y: 1.0, yanchor: "bottom" },
      hoverlabel: { align: "left", font: { family: "monospace" } },
      xaxis: {
        title: { text: "word" },
        range: [-0.5, Math.max(pairs.length, 1) - 0.5],
        ...(ticks
          ? { tickmode: "array", tickvals: indices, ticktext: labels, tickangle: -45 }
          : { title: { text: "word (index)" } }),
      },
      yaxis: { title: { text: `Δ surprisal, b − a (${unit})` }, zeroline: true, zerolinewidth: 2 },
    },
    config: { ...DEFAULT_CONFIG },
  };
}

/** The word pairs (a, b) that cover the same characters, or a UsageError when the texts differ. */
function alignWords(
  a: CompareInput,
  textA: string,
  b: CompareInput,
  textB: string,
  options: CompareOptions,
): [WordSpan, WordSpan][] {
  const spanOptions = options.segmenter ? { segmenter: options.segmenter } : {};
  const wordsA = wordSpans(a.rows, textA, spanOptions);
  const wordsB = wordSpans(b.rows, textB, spanOptions);
  if ((options.align ?? "text") === "text") {
    if (textA !== textB) throw new UsageError(mismatch(textA, textB));
    // The same text and segmenter give the same words; guard anyway so a pairing is never guessed.
    return wordsA.map((w, i) => {
      const other = wordsB[i];
      if (!other || other.start !== w.start || other.end !== w.end) {
        throw new UsageError(
          `compare: the word splits of a and b differ at "${w.text}" (character ${w.start})`,
        );
      }
      return [w, other];
    });
  }
  let common = 0;
  while (
    common < textA.length &&
    common < textB.length &&
    textA[textA.length - 1 - common] === textB[textB.length - 1 - common]
  ) {
    common++;
  }
  if (common === 0) {
    throw new UsageError(
      `compare(a, b, { align: "suffix" }): the two texts share no common ending ` +
        `(a ends ${JSON.stringify(textA.slice(-20))}, b ends ${JSON.stringify(textB.slice(-20))})`,
    );
  }
  const fromA = textA.length - common;
  const fromB = textB.length - common;
  const byOffset = new Map(
    wordsB.filter((w) => w.start >= fromB).map((w) => [`${w.start - fromB}:${w.end - fromB}`, w]),
  );
  const pairs: [WordSpan, WordSpan][] = [];
  for (const w of wordsA) {
    if (w.start < fromA) continue;
    const other = byOffset.get(`${w.start - fromA}:${w.end - fromA}`);
    if (other) pairs.push([w, other]);
  }
  return pairs;
}

/** Says where two texts first differ, with a little context from each. */
function mismatch(textA: string, textB: string): string {
  let i = 0;
  while (i < textA.length && i < textB.length && textA[i] === textB[i]) i++;
  const around = (text: string) => {
    const from = Math.max(0, i - 15);
    const piece = text.slice(from, i + 15);
    return `${from > 0 ? "…" : ""}${JSON.stringify(piece)}${i + 15 < text.length ? "…" : ""}`;
  };
  return (
    `compare(a, b): the two results score different texts, so their words cannot be aligned. ` +
    `They differ at character ${i} (a: ${around(textA)}, b: ${around(textB)}; lengths ${textA.length} and ${textB.length}). ` +
    `Score the same text with both models or endpoints, or pass { align: "suffix" } to compare a shared continuation.`
  );
}

function defaultNames(modelA: string | undefined, modelB: string | undefined): [string, string] {
  return modelA && modelB && modelA !== modelB ? [modelA, modelB] : ["a", "b"];
}

function signed(value: number): string {
  return `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(2)}`;
}

/** Two decimals, as the labels and the hover show it. */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}
