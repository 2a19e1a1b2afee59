import { readFileSync } from "node:fs";

let cached: string | undefined;

/**
 * The pinned plotly.js bundle from `plotly.js-dist-min`, made safe to inline in a `<script>`.
 * Read once per process, lazily (4.8 MB).
 *
 * @example
 * `<script>${plotlySource()}</script>`
 */
export function plotlySource(): string {
  cached ??= readFileSync(require.resolve("plotly.js-dist-min"), "utf8").replace(/<\/script/gi, "<\\/script");
  return cached;
}

/**
 * The exact plotly.js version that is inlined.
 *
 * @example
 * plotlyVersion() // "4.1.2"
 */
export function plotlyVersion(): string {
  return (require("plotly.js-dist-min/package.json") as { version: string }).version;
}
