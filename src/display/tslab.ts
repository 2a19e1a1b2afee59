import { dirname, join } from "node:path";
import type { MimeBundle } from "./mime-bundle.js";

interface TslabPublic {
  display: { html(s: string): void; text(s: string): void };
  newDisplay(): { html(s: string): void };
}
type WriteDisplayData = (content: object, update: boolean) => void;

/**
 * The running tslab kernel's public module, or undefined outside tslab. tslab sets
 * `globalThis.__tslab__` while it executes cells; its `require("tslab")` is the kernel's own copy.
 */
export function tslabPublic(): TslabPublic | undefined {
  const hook = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__;
  try {
    return hook?.require?.("tslab") as TslabPublic | undefined;
  } catch {
    return undefined;
  }
}

/**
 * tslab's public API sends one MIME type per output. Its internal writer (`jupyter.js`
 * `lastWriteDisplayData`, set on every execute) sends a whole bundle; reach it through the module
 * cache next to the kernel's `public.js`. Undefined when tslab's internals differ (then we fall back).
 */
function internalWriter(pub: TslabPublic): WriteDisplayData | undefined {
  const entry = Object.values(require.cache).find((m) => m?.exports === pub);
  if (!entry) return undefined;
  const jupyter = require.cache[join(dirname(entry.filename), "jupyter.js")];
  const write = (jupyter?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
  return typeof write === "function" ? (write as WriteDisplayData) : undefined;
}

/**
 * Sends a MIME bundle as one output of the executing tslab cell; with `displayId`, later calls
 * with the same id replace it (update_display_data). Returns false outside tslab.
 *
 * @example
 * tslabDisplay({ "text/html": "<b>hi</b>", "text/plain": "hi" })
 */
export function tslabDisplay(
  bundle: MimeBundle,
  options: { displayId?: string; update?: boolean } = {},
): boolean {
  const pub = tslabPublic();
  if (!pub) return false;
  const write = internalWriter(pub);
  if (write) {
    const transient = options.displayId ? { display_id: options.displayId } : {};
    write({ data: bundle, metadata: {}, transient }, options.update ?? false);
    return true;
  }
  const html = bundle["text/html"];
  if (typeof html === "string") pub.display.html(html);
  else pub.display.text(String(bundle["text/plain"] ?? ""));
  return true;
}
