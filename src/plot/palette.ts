/**
 * Colours for the charts. "default" keeps GLTR's familiar bucket colours (green, yellow, red,
 * purple); "colorblind" uses the Okabe–Ito palette, safe for the common colour-vision deficiencies.
 * Wherever colour carries meaning the charts add a non-colour cue too (pattern, text, position).
 */
export type PaletteName = "default" | "colorblind";

export interface Palette {
  /** One colour per GLTR bucket (1–10, 11–100, 101–1000, >1000), then censored, then unknown. */
  buckets: readonly string[];
  /** Plotly colour scale for a sequential quantity (probability, surprisal): low → high. */
  sequential: [number, string][];
  /** The accent colour of single-series charts, and a second series for comparisons. */
  primary: string;
  secondary: string;
}

const PALETTES: Record<PaletteName, Palette> = {
  default: {
    buckets: ["#6CC26C", "#F2D04A", "#E8684A", "#A566C8", "#9E9E9E", "#D9D9D9"],
    sequential: [
      [0, "#FFF7EC"],
      [0.5, "#FC8D59"],
      [1, "#7F0000"],
    ],
    primary: "#4C78A8",
    secondary: "#F58518",
  },
  colorblind: {
    // Okabe & Ito (2008): bluish green, yellow, vermillion, reddish purple; grey for censored/unknown.
    buckets: ["#009E73", "#F0E442", "#D55E00", "#CC79A7", "#999999", "#DDDDDD"],
    sequential: [
      [0, "#FDE725"],
      [0.5, "#21918C"],
      [1, "#440154"],
    ],
    primary: "#0072B2",
    secondary: "#E69F00",
  },
};

/**
 * The palette by name (default "default").
 *
 * @example
 * palette("colorblind").buckets[0] // "#009E73"
 */
export function palette(name: PaletteName = "default"): Palette {
  return PALETTES[name] ?? PALETTES.default;
}
