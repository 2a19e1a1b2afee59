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

/**
 * Renders a result, figure or table in the running notebook — tslab or Deno — as one output with
 * all its MIME types; outside a notebook prints the text form.
 *
 * @example
 * show(await lab.promptLogprobs("The capital of France is"))
 */
export function show(value: unknown): void {
  const bundle = mimeBundleOf(value);
  if (denoDisplay(bundle) || tslabDisplay(bundle)) return;
  console.log(bundle["text/plain"]);
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
