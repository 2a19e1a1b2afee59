import { inspect } from "node:util";
import { tableToHTML } from "../table/table-html.js";
import { denoDisplay } from "./deno.js";
import { JUPYTER_DISPLAY, type MimeBundle } from "./mime-bundle.js";
import { tslabDisplay } from "./tslab.js";

/**
 * The MIME bundle of anything `show` can render: objects with `[Symbol.for("Jupyter.display")]`
 * (results, figures), arquero tables, and otherwise plain text.
 *
 * @example
 * mimeBundleOf(result)["text/html"]
 */
export function mimeBundleOf(value: unknown): MimeBundle {
  if (value && typeof (value as { [JUPYTER_DISPLAY]?: unknown })[JUPYTER_DISPLAY] === "function") {
    return (value as { [JUPYTER_DISPLAY](): MimeBundle })[JUPYTER_DISPLAY]();
  }
  if (isArqueroTable(value)) {
    return { "text/html": tableToHTML(value), "text/plain": value.toString() };
  }
  return { "text/plain": typeof value === "string" ? value : inspect(value) };
}

export interface ShowOptions {
  /** Names the output so a later `show(x, { displayId, update: true })` replaces it in place. */
  displayId?: string;
  /** Replace the output named `displayId` instead of adding one (live progress, streaming). */
  update?: boolean;
}

/**
 * Renders a result, figure, text heatmap or table in the running notebook — tslab or Deno — as one
 * output with all its MIME types; outside a notebook prints the text form. With a `displayId`, a
 * later call with `update: true` replaces that output in place (a live display). Prefer plain HTML
 * views (`plot.text`) for updates: replacing the first Plotly figure of a session would also
 * replace the plotly.js it carries.
 *
 * @example
 * show(await lab.promptLogprobs("The capital of France is"));
 * for await (const _ of stream) show(plot.text(stream.partial()), { displayId: "live", update: true });
 */
export function show(value: unknown, options: ShowOptions = {}): void {
  const bundle = mimeBundleOf(value);
  if (denoDisplay(bundle, options) || tslabDisplay(bundle, options)) return;
  if (!options.update) console.log(bundle["text/plain"]);
}

function isArqueroTable(
  value: unknown,
): value is { toString(): string; numRows(): number } & Parameters<typeof tableToHTML>[0] {
  return (
    !!value &&
    typeof (value as { columnNames?: unknown }).columnNames === "function" &&
    typeof (value as { numRows?: unknown }).numRows === "function"
  );
}
