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
