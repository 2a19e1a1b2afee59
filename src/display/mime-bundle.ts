/** A Jupyter MIME bundle: MIME type → data (strings, or JSON for `application/*+json`). */
export type MimeBundle = Record<string, unknown>;

/** What renders itself in a notebook: Deno calls this symbol on a cell's last expression. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;
