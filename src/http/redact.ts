/**
 * Removes a secret from text that may echo it (server error bodies that repeat request headers,
 * error causes). Also masks any `Bearer …` credential.
 *
 * @example
 * redact("bad key sk-123", "sk-123") // "bad key [redacted]"
 */
export function redact(text: string, secret: string | undefined): string {
  let out = secret && secret.length >= 4 ? text.split(secret).join("[redacted]") : text;
  out = out.replace(/(Bearer\s+)[^\s"',;]+/gi, "$1[redacted]");
  return out;
}
