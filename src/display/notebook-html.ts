import type { FigureSpec } from "../plot/figure-spec.js";
import { compactFigureDiv, plotlyLoaderHtml } from "./figure-html.js";
import type { MimeBundle } from "./mime-bundle.js";

let plotlyInlined = false;

/**
 * What one figure may add to a notebook, plotly.js aside (issue 6: ≤ 40 KB for 1,000 tokens).
 * The Plotly JSON copy cannot be packed: its renderers read plain JSON, and its per-point hover
 * text (token and top alternatives, ~45 bytes a point) alone passes this for 1,000 points.
 */
export const NOTEBOOK_FIGURE_BUDGET = 40 * 1024;

/**
 * HTML for a figure in a notebook output: plotly.js is inlined once per kernel session (the first
 * figure carries it; later figures queue until it is on the page), so notebooks stay offline. The
 * figure itself travels gzipped.
 *
 * @example
 * notebookFigureHtml(fig.toJSON())
 */
export function notebookFigureHtml(spec: FigureSpec): string {
  return withLoader(compactFigureDiv(spec));
}

/**
 * A figure's notebook MIME data: the packed HTML (drawn by the inlined plotly.js wherever the
 * output's scripts run) and, when both fit `NOTEBOOK_FIGURE_BUDGET`, the same figure as
 * `application/vnd.plotly.v1+json` for frontends that draw that instead (it also draws in an
 * untrusted notebook). A larger figure is sent once, packed, not twice: the plain copy would be
 * several times the packed one, with the same chart and hover.
 *
 * @example
 * notebookFigureBundle(fig.toJSON()) // { "application/vnd.plotly.v1+json": …, "text/html": … }
 */
export function notebookFigureBundle(spec: FigureSpec): MimeBundle {
  const div = compactFigureDiv(spec);
  // The rest of the bundle (text/plain, keys) is well under this slack.
  const bytes = Buffer.byteLength(JSON.stringify(spec)) + Buffer.byteLength(JSON.stringify(div)) + 512;
  const html = withLoader(div);
  return bytes <= NOTEBOOK_FIGURE_BUDGET
    ? { "application/vnd.plotly.v1+json": spec, "text/html": html }
    : { "text/html": html };
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

/** The figure's HTML, with plotly.js when it is the session's first figure. */
function withLoader(div: string): string {
  const loader = plotlyInlined ? "" : plotlyLoaderHtml();
  plotlyInlined = true;
  return div + loader;
}
