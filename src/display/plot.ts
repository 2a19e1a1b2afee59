import { type HasRows, type SurprisalOptions, surprisal } from "../plot/surprisal.js";
import { Figure } from "./figure.js";

/**
 * Chart builders: each takes a result (or anything with canonical `rows`) and returns a `Figure`
 * (Plotly JSON + `toHTML()`), shown with `show(fig)` or as a Deno cell's last expression.
 *
 * @example
 * show(plot.surprisal(r, { unit: "nats" }))
 */
export const plot = {
  /** Per-position surprisal bars with token ticks and alternatives on hover. */
  surprisal: (result: HasRows, options?: SurprisalOptions): Figure => new Figure(surprisal(result, options)),
};
