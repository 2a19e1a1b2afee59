import type { MimeBundle } from "./mime-bundle.js";

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
 * Whether this code runs inside Deno's Jupyter kernel.
 *
 * @example
 * if (isDenoKernel()) denoDisplay(bundle)
 */
export function isDenoKernel(): boolean {
  return denoJupyter() !== undefined;
}

/**
 * Sends a MIME bundle as one output of the running Deno cell; with `displayId`, later calls with
 * the same id and `update: true` replace it. `broadcast` hands it to the kernel at once while the
 * cell runs (`display` first awaits a formatting step); `display(bundle, { raw: true })` is the
 * documented fallback. Deno 2.x may deliver an output after it reported the cell idle: live
 * frontends place it by its parent message, and test/notebooks/late_output.py does the same for
 * nbconvert. Returns false outside Deno's kernel.
 *
 * @example
 * denoDisplay({ "text/html": "<b>hi</b>", "text/plain": "hi" })
 */
export function denoDisplay(
  bundle: MimeBundle,
  options: { displayId?: string; update?: boolean } = {},
): boolean {
  const deno = denoJupyter();
  if (!deno) return false;
  const update = options.update ?? false;
  const transient = options.displayId ? { display_id: options.displayId } : {};
  const sent =
    typeof deno.broadcast === "function"
      ? deno.broadcast(update ? "update_display_data" : "display_data", {
          data: bundle,
          metadata: {},
          transient,
        })
      : deno.display(bundle, { raw: true, update, display_id: options.displayId });
  if (sent && typeof (sent as Promise<void>).catch === "function") {
    (sent as Promise<void>).catch((error: unknown) =>
      console.error(`logprob-lab: could not display in Deno: ${(error as Error)?.message ?? error}`),
    );
  }
  return true;
}
