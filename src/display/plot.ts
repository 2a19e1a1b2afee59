import { type ChoicesInput, type ChoicesOptions, choices } from "../plot/choices.js";
import { type CompareInput, type CompareOptions, compare } from "../plot/compare.js";
import { type EntropyChartOptions, entropy } from "../plot/entropy.js";
import type { FigureSpec } from "../plot/figure-spec.js";
import { type LogprobsOptions, logprobs } from "../plot/logprobs.js";
import { type OverviewOptions, overview } from "../plot/overview.js";
import {
  type RankHistogramOptions,
  type RanksOptions,
  rankCdf,
  rankHistogram,
  ranks,
} from "../plot/ranks.js";
import { type HasRows, type SurprisalOptions, surprisal } from "../plot/surprisal.js";
import { type TemperatureChartOptions, temperature } from "../plot/temperature.js";
import { type HasRowsAndText, type TextHeatmapOptions, textHeatmap } from "../plot/text-heatmap.js";
import { type TopKOptions, topK } from "../plot/top-k.js";
import { Figure } from "./figure.js";
import { HtmlView } from "./html-view.js";

const figure =
  <A extends unknown[]>(build: (...args: A) => FigureSpec) =>
  (...args: A): Figure =>
    new Figure(build(...args));

/**
 * Chart builders: each takes a result (or anything with canonical `rows`) and returns a `Figure`
 * (Plotly JSON + `toHTML()` + `toPNG()`/`toSVG()`), shown with `show(fig)` or as a Deno cell's last
 * expression. `plot.text` returns plain HTML (readable where scripts are stripped).
 *
 * @example
 * show(plot.surprisal(r, { unit: "nats" })); show(plot.ranks(r)); show(plot.text(r));
 */
export const plot = {
  /** Per-position surprisal bars with token ticks and alternatives on hover. */
  surprisal: figure((result: HasRows, options?: SurprisalOptions) => surprisal(result, options)),
  /** Logprob per position (nats) with the top-1 logprob beside it. */
  logprobs: figure((result: HasRows, options?: LogprobsOptions) => logprobs(result, options)),
  /** GLTR rank buckets with counts and fractions. */
  ranks: figure((result: HasRows, options?: RanksOptions) => ranks(result, options)),
  /** Histogram of ranks on a log axis, censored ranks counted apart. */
  rankHistogram: figure((result: HasRows, options?: RankHistogramOptions) => rankHistogram(result, options)),
  /** Empirical CDF of ranks on a log axis, censored mass marked. */
  rankCdf: figure((result: HasRows, options?: RankHistogramOptions) => rankCdf(result, options)),
  /** Position × rank heatmap of the top-k: colour = probability, text = token. */
  topK: figure((result: HasRows, options?: TopKOptions) => topK(result, options)),
  /** Surprisal against the bound on the full entropy from the top-k. */
  entropy: figure((result: HasRows, options?: EntropyChartOptions) => entropy(result, options)),
  /** One position's top-k at several temperatures, with a slider over T. */
  temperature: figure(
    (result: HasRows, position: number, temps?: number[], options?: TemperatureChartOptions) =>
      temperature(result, position, temps, options),
  ),
  /** Long documents: a minimap of surprisal (SVG, or WebGL on request) with the top spikes listed. */
  overview: figure((result: HasRows, options?: OverviewOptions) => overview(result, options)),
  /** Two results aligned on words: Δ surprisal per word (b − a). */
  compare: figure((a: CompareInput, b: CompareInput, options?: CompareOptions) => compare(a, b, options)),
  /** `lab.compareChoices` scores under each normalization, winners marked. */
  choices: figure((input: ChoicesInput, options?: ChoicesOptions) => choices(input, options)),
  /** The text itself coloured by surprisal or GLTR bucket, with the top-k in tooltips. */
  text: (result: HasRowsAndText, options?: TextHeatmapOptions): HtmlView =>
    new HtmlView(textHeatmap(result, options), "logprob-lab text heatmap"),
};
