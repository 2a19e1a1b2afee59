const VISIBLE: Record<string, string> = { " ": "␣", "\n": "⏎", "\t": "⇥", "\r": "␍" };

/**
 * Makes whitespace in a token visible for display (`␣`, `⏎`, `⇥`, `␍`); the data keeps the real text.
 *
 * @example
 * visibleWhitespace(" the") // "␣the"
 */
export function visibleWhitespace(token: string): string {
  return token.replace(/[ \n\t\r]/g, (c) => VISIBLE[c]);
}
