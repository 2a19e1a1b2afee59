import { gzipSync } from "node:zlib";
import { escapeHtml } from "../core/escape-html.js";
import type { FigureSpec } from "../plot/figure-spec.js";
import { packFigure, UNPACK_SCRIPT } from "./pack-figure.js";
import { plotlySource } from "./plotly-source.js";

let counter = 0;

/**
 * JSON for inlining in a `<script>`: `<`, `>`, `&` and the JS line separators are escaped, so no
 * token text can close the script or open a comment.
 *
 * @example
 * scriptJson({ token: "</script>" }) // '{"token":"\\u003c/script\\u003e"}'
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * The HTML of one figure: a div and a script that draws it once plotly.js is on the page (at once,
 * or from a queue that the library script flushes — outputs may arrive in either order). A
 * placeholder text shows where scripts do not run (untrusted notebooks).
 *
 * @example
 * figureDiv(fig.toJSON())
 */
export function figureDiv(spec: FigureSpec): string {
  const { id, div } = figureBox(spec);
  return (
    `${div}
<script>(function(){var draw=function(){var el=document.getElementById(${scriptJson(id)});if(!el)return;` +
    `el.innerHTML="";Plotly.newPlot(el,${scriptJson(spec.data)},${scriptJson(spec.layout)},${scriptJson(spec.config ?? {})});};` +
    `${QUEUE}})();</script>`
  );
}

/**
 * As `figureDiv`, with the figure JSON gzipped and base64-encoded, unpacked in the browser
 * (`DecompressionStream`): for a notebook output, whose bundle also carries the same figure as
 * `application/vnd.plotly.v1+json` for the renderers that draw that instead (when the two fit the
 * notebook budget) — the copy in the HTML costs a fraction of the plain one (per-point hover
 * strings compress three- to sevenfold; evenly spaced `x` goes as `x0`/`dx`: `packFigure`). A browser
 * without `DecompressionStream` shows a note instead of the figure.
 *
 * @example
 * compactFigureDiv(fig.toJSON())
 */
export function compactFigureDiv(spec: FigureSpec): string {
  const { id, div } = figureBox(spec);
  const { data, layout, config } = packFigure(spec);
  const packed = gzipSync(JSON.stringify({ data, layout, config: config ?? {} }), { level: 9 }).toString(
    "base64",
  );
  return (
    `${div}
<script>(function(){var z="${packed}";var draw=function(){var el=document.getElementById(${scriptJson(id)});if(!el)return;` +
    `if(!window.DecompressionStream){el.textContent="This browser cannot unpack the figure (no DecompressionStream).";return;}` +
    `var b=Uint8Array.from(atob(z),function(c){return c.charCodeAt(0)});` +
    `new Response(new Blob([b]).stream().pipeThrough(new DecompressionStream("gzip"))).json().then(function(f){` +
    `${UNPACK_SCRIPT}el.innerHTML="";return Plotly.newPlot(el,f.data,f.layout,f.config);});};` +
    `${QUEUE}})();</script>`
  );
}

/** Draws at once when plotly.js is on the page, else queues for the loader (outputs may arrive in either order). */
const QUEUE = "if(window.Plotly)draw();else(window.__lplabQueue=window.__lplabQueue||[]).push(draw);";

/** The figure's div (sized to the layout's height) holding a placeholder for where scripts do not run. */
function figureBox(spec: FigureSpec): { id: string; div: string } {
  const id = `lplab-fig-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const height = typeof spec.layout.height === "number" ? spec.layout.height : 420;
  return {
    id,
    div:
      `<div id="${id}" class="lplab-figure" style="width:100%;height:${height}px">` +
      `<span class="lplab-placeholder">Plotly figure (run the notebook to draw it)</span></div>`,
  };
}

/**
 * The script that puts plotly.js on the page (unless it is there) and draws queued figures.
 *
 * @example
 * plotlyLoaderHtml() + figureDiv(spec)
 */
export function plotlyLoaderHtml(): string {
  return `<script>if(!window.Plotly){${plotlySource()}
}</script><script>(window.__lplabQueue||[]).splice(0).forEach(function(f){f()});</script>`;
}

/**
 * A complete offline page: plotly.js inlined once, then the given body HTML.
 *
 * @example
 * standalonePage(figureDiv(spec), "Surprisal")
 */
export function standalonePage(bodyHtml: string, title: string, options: { plotly?: boolean } = {}): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}</style></head>
<body>
${options.plotly === false ? "" : plotlyLoaderHtml()}
${bodyHtml}
</body></html>
`;
}
