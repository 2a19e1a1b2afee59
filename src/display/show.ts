import { inspect } from "node:util";
import { tableToHTML } from "../table/table-html.js";
import { JUPYTER_DISPLAY, type MimeBundle } from "./mime-bundle.js";
import { tslabDisplay } from "./tslab.js";

interface DenoJupyter {
  broadcast?(msgType: string, content: Record<string, unknown>): unknown;
  display(obj: unknown, options?: { raw?: boolean; update?: boolean; display_id?: string }): unknown;
}

/**
 * `Deno.jupyter` inside Deno's Jupyter kernel; undefined elsewhere (in plain Deno the getter
 * throws "only available in `deno jupyter`", in Node there is no `Deno`).
 */
function denoJupyter(): DenoJupyter | undefined {
  try {
    const jupyter = (globalThis as { Deno?: { jupyter?: DenoJupyter } }).Deno?.jupyter;
    return jupyter && typeof jupyter.display === "function" ? jupyter : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends a bundle as one display_data output of the running Deno cell. `broadcast` hands it to the
 * kernel at once, while the cell runs (`display` first awaits a formatting step);
 * `display(bundle, { raw: true })` is the documented fallback. Deno 2.x's kernel may still deliver
 * an output after it reported the cell idle: live frontends place it by its parent message, and
 * test/notebooks/late_output.py does the same for nbconvert.
 */
function denoDisplay(deno: DenoJupyter, bundle: MimeBundle): void {
  if (typeof deno.broadcast === "function") {
    const sent = deno.broadcast("display_data", { data: bundle, metadata: {}, transient: {} });
    if (sent && typeof (sent as Promise<void>).catch === "function") (sent as Promise<void>).catch(report);
    return;
  }
  const shown = deno.display(bundle, { raw: true });
  if (shown && typeof (shown as Promise<void>).catch === "function") (shown as Promise<void>).catch(report);
}

function report(error: unknown): void {
  console.error(`logprob-lab: show() could not display: ${(error as Error)?.message ?? error}`);
}

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
  const deno = denoJupyter();
  if (deno) {
    denoDisplay(deno, bundle);
    return;
  }
  if (tslabDisplay(bundle)) return;
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
