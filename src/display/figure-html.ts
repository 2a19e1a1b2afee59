import { escapeHtml } from "../core/escape-html.js";
import type { FigureSpec } from "../plot/figure-spec.js";
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
  const id = `lplab-fig-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const height = typeof spec.layout.height === "number" ? spec.layout.height : 420;
  return (
    `<div id="${id}" class="lplab-figure" style="width:100%;height:${height}px">` +
    `<span class="lplab-placeholder">Plotly figure (run the notebook to draw it)</span></div>
<script>(function(){var draw=function(){var el=document.getElementById(${scriptJson(id)});if(!el)return;` +
    `el.innerHTML="";Plotly.newPlot(el,${scriptJson(spec.data)},${scriptJson(spec.layout)},${scriptJson(spec.config ?? {})});};` +
    `if(window.Plotly)draw();else(window.__lplabQueue=window.__lplabQueue||[]).push(draw);})();</script>`
  );
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
