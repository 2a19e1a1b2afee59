import { escapeHtml } from "../core/escape-html.js";
import type { TokenLogprob } from "../core/token-logprob.js";
import { visibleWhitespace } from "../core/visible-whitespace.js";

/**
 * A token as Plotly should show it: visible whitespace, escaped (Plotly renders a subset of HTML
 * in labels and decodes entities, so escaped text shows literally and never becomes markup).
 *
 * @example
 * plotlyText(" <b>") // "␣&lt;b&gt;"
 */
export function plotlyText(token: string): string {
  return escapeHtml(visibleWhitespace(token));
}

/**
 * Hover text of one position: the token, its logprob, probability and rank, and the top alternatives.
 *
 * @example
 * hoverText(row, 5)
 */
export function hoverText(row: TokenLogprob, maxAlternatives = 5): string {
  const lines = [`<b>${plotlyText(row.token)}</b>  (position ${row.position})`];
  if (row.logprob === null) {
    lines.push(row.position === 0 ? "no conditional at position 0" : "logprob unknown");
  } else {
    const bits = -row.logprob / Math.LN2;
    lines.push(
      `logprob ${row.logprob.toFixed(3)} nats · p ${formatProb(Math.exp(row.logprob))} · ${bits.toFixed(2)} bits`,
    );
    lines.push(row.rankCensored ? `rank > ${row.rankBound} (censored)` : `rank ${row.rank ?? "unknown"}`);
  }
  const isActual = (alt: TokenLogprob["alternatives"][number]) =>
    alt.tokenId !== null && alt.tokenId === row.tokenId;
  // The top few, plus the actual token where it ranks below them (vLLM reports it beyond the top-k).
  const alternatives = row.alternatives.filter((alt, i) => i < maxAlternatives || isActual(alt));
  if (alternatives.length > 0) {
    lines.push("top alternatives:");
    for (const alt of alternatives) {
      const mark = isActual(alt) ? " ◀" : "";
      const p = alt.logprob === null ? "?" : formatProb(Math.exp(alt.logprob));
      lines.push(`  ${alt.rank ?? "?"}. ${plotlyText(alt.token)}  ${p}${mark}`);
    }
  }
  return lines.join("<br>");
}

function formatProb(p: number): string {
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}
