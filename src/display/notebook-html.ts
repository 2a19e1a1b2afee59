import type { FigureSpec } from "../plot/figure-spec.js";
import { compactFigureDiv, plotlyLoaderHtml } from "./figure-html.js";

let plotlyInlined = false;

/**
 * HTML for a figure in a notebook output: plotly.js is inlined once per kernel session (the first
 * figure carries it; later figures queue until it is on the page), so notebooks stay offline. The
 * figure itself travels gzipped: the bundle's `application/vnd.plotly.v1+json` already holds it.
 *
 * @example
 * notebookFigureHtml(fig.toJSON())
 */
export function notebookFigureHtml(spec: FigureSpec): string {
  const loader = plotlyInlined ? "" : plotlyLoaderHtml();
  plotlyInlined = true;
  return compactFigureDiv(spec) + loader;
}

/**
 * Forgets that plotly.js was inlined, so the next figure carries it again — for a notebook whose
 * first figure's output was cleared.
 *
 * @example
 * resetNotebookSession()
 */
export function resetNotebookSession(): void {
  plotlyInlined = false;
}
