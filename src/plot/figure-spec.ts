/** Plotly's figure JSON: traces, layout and config, exactly as `Plotly.newPlot` takes them. */
export interface FigureSpec {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** Config every figure gets: nothing uploads anywhere, no logo, resizes with the notebook. */
export const DEFAULT_CONFIG = { responsive: true, showSendToCloud: false, displaylogo: false } as const;
