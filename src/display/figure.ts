import { inspect } from "node:util";
import { DEFAULT_CONFIG, type FigureSpec } from "../plot/figure-spec.js";
import { figureDiv, standalonePage } from "./figure-html.js";
import { figureToImage, type ImageSizeOptions } from "./image-export.js";
import { JUPYTER_DISPLAY, type MimeBundle } from "./mime-bundle.js";
import { notebookFigureBundle } from "./notebook-html.js";

/**
 * A Plotly figure made by `plot.*`: its JSON, a self-contained offline `toHTML()`, and a Jupyter
 * MIME bundle (Deno renders it as a cell's last expression; `show(fig)` renders it in tslab), and
 * static PNG/SVG images (`toPNG`/`toSVG`, through headless Chromium: see `figureToImage`).
 *
 * @example
 * const fig = plot.surprisal(result);
 * fs.writeFileSync("surprisal.html", fig.toHTML());
 * fs.writeFileSync("surprisal.png", await fig.toPNG({ width: 800, height: 400, scale: 2 }));
 */
export class Figure implements FigureSpec {
  readonly data: Record<string, unknown>[];
  readonly layout: Record<string, unknown>;
  readonly config: Record<string, unknown>;

  constructor(spec: FigureSpec) {
    this.data = spec.data;
    this.layout = spec.layout;
    this.config = { ...DEFAULT_CONFIG, ...spec.config };
  }

  /** The figure JSON (what `application/vnd.plotly.v1+json` carries). */
  toJSON(): FigureSpec {
    return { data: this.data, layout: this.layout, config: this.config };
  }

  /** A standalone HTML page with plotly.js inlined: opens offline in any browser. */
  toHTML(): string {
    return standalonePage(figureDiv(this.toJSON()), this.title());
  }

  /**
   * A PNG image of the figure (`width·scale × height·scale` pixels), drawn by plotly.js in headless
   * Chromium. Needs `playwright-core` and Chromium (see `figureToImage`); ~3 s for the first image
   * of a process, then ~0.1 s.
   *
   * @example
   * fs.writeFileSync("fig.png", await fig.toPNG({ width: 800, height: 400, scale: 2 }))
   */
  toPNG(options: ImageSizeOptions = {}): Promise<Buffer> {
    return figureToImage(this.toJSON(), { ...options, format: "png" });
  }

  /**
   * An SVG document of the figure (plotly.js's own SVG export), as a string.
   *
   * @example
   * fs.writeFileSync("fig.svg", await fig.toSVG({ width: 800, height: 400 }))
   */
  toSVG(options: ImageSizeOptions = {}): Promise<string> {
    return figureToImage(this.toJSON(), { ...options, format: "svg" });
  }

  /**
   * The notebook MIME bundle: offline HTML, and Plotly JSON for renderers that have it while the
   * two fit the notebook budget (see `notebookFigureBundle`).
   */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { ...notebookFigureBundle(this.toJSON()), "text/plain": this.describe() };
  }

  [inspect.custom](): string {
    return this.describe();
  }

  /**
   * The title as plain text (a page title, the text form): Plotly's markup and entities are for
   * the chart, so its first line is taken, tags dropped and entities decoded (callers escape again).
   */
  private title(): string {
    const text = (this.layout.title as { text?: string } | undefined)?.text ?? "logprob-lab figure";
    return text
      .split("<br>")[0]
      .replace(/<[^>]*>/g, "")
      .replace(/&(lt|gt|amp|quot|#34|#39);/g, (_, name: string) => PLAIN[name]);
  }

  private describe(): string {
    const traces = this.data.map((trace) => `${trace.type ?? "scatter"}`).join(", ");
    return `<Figure "${this.title()}": ${this.data.length} trace(s) [${traces}]>`;
  }
}

const PLAIN: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', "#34": '"', "#39": "'" };
