const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML content and attribute values. Token text is untrusted input: everything
 * logprob-lab renders passes through here (Plotly hover text decodes these entities too).
 *
 * @example
 * escapeHtml("<script>") // "&lt;script&gt;"
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const PLOTLY_ENTITIES: Record<string, string> = { ...ENTITIES, '"': "&#34;" };

/**
 * Escapes text for Plotly labels (titles, ticks, legend names, hover and bar text), which Plotly
 * draws from a small subset of HTML. Plotly decodes numeric references but few named ones (not
 * `&quot;`, which it would show as is), so quotes become `&#34;`.
 *
 * @example
 * escapePlotly('<b>"x"</b>') // "&lt;b&gt;&#34;x&#34;&lt;/b&gt;"
 */
export function escapePlotly(text: string): string {
  return text.replace(/[&<>"']/g, (c) => PLOTLY_ENTITIES[c]);
}
