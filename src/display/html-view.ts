import { inspect } from "node:util";
import { standalonePage } from "./figure-html.js";
import { JUPYTER_DISPLAY, type MimeBundle } from "./mime-bundle.js";

/**
 * A chart that is plain HTML rather than Plotly (the text heatmap): shown as `text/html`, readable
 * even where a notebook strips scripts, with a standalone `toHTML()` page.
 *
 * @example
 * const view = plot.text(r); fs.writeFileSync("text.html", view.toHTML());
 */
export class HtmlView {
  /** The fragment, escaped and self-contained (inline styles, no scripts). */
  readonly html: string;
  readonly title: string;

  constructor(html: string, title: string) {
    this.html = html;
    this.title = title;
  }

  /** A standalone page holding the fragment. */
  toHTML(): string {
    return standalonePage(this.html, this.title, { plotly: false });
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return { "text/html": this.html, "text/plain": `<${this.title}>` };
  }

  [inspect.custom](): string {
    return `<${this.title}>`;
  }
}
