/** API keys in use in this process (registered by every `Transport`), redacted from every error. */
const known = new Set<string>();

/** Shorter strings are too likely to be ordinary words to blank out of every message. */
const MIN_KNOWN_LENGTH = 8;

/**
 * Remembers an API key so that every logprob-lab error made from now on redacts it, wherever the
 * error was made (a stream parser or a zod check knows nothing of the key, but may quote a server
 * that echoed it).
 *
 * @example
 * registerSecret(process.env.ACS_API_KEY)
 */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= MIN_KNOWN_LENGTH) known.add(secret);
}

/**
 * Removes a secret from text that may echo it (server error bodies that repeat request headers,
 * error causes): the secret itself, its URL-encoded, JSON-escaped and hex forms and its base64 (at
 * any alignment, as inside `Basic …` or a base64 dump of the headers), plus every key registered with
 * `registerSecret`. Also masks any `Bearer …` or `Basic …` credential.
 *
 * @example
 * redact("bad key sk-123", "sk-123") // "bad key [redacted]"
 */
export function redact(text: string, secret?: string): string {
  let out = text;
  const secrets = secret && secret.length >= 4 ? [secret, ...known] : [...known];
  for (const s of secrets) {
    for (const form of secretForms(s)) if (out.includes(form)) out = out.split(form).join("[redacted]");
  }
  // A backslash ends the credential too, so that redacting JSON text keeps it valid JSON.
  return out
    .replace(/\b(Bearer\s+)[^\s"'\\,;]+/gi, "$1[redacted]")
    .replace(/\b(Basic\s+)[A-Za-z0-9+/]{8,}={0,2}/g, "$1[redacted]");
}

/**
 * A JSON value with every string in it (keys too) passed through `redact`.
 *
 * @example
 * redactDeep({ error: { message: "Bearer sk-123" } }, "sk-123") // { error: { message: "Bearer [redacted]" } }
 */
export function redactDeep(value: unknown, secret?: string): unknown {
  if (typeof value === "string") return redact(value, secret);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secret));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [redact(k, secret), redactDeep(v, secret)]),
    );
  }
  return value;
}

const formsCache = new Map<string, string[]>();

/** The ways a key can appear in text, longest first (only forms long enough to be unambiguous). */
function secretForms(secret: string): string[] {
  let forms = formsCache.get(secret);
  if (forms) return forms;
  const bytes = Buffer.from(secret, "utf8");
  const hex = bytes.toString("hex");
  const candidates = new Set([
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    hex,
    hex.toUpperCase(),
  ]);
  for (let offset = 0; offset < 3; offset++) {
    // The characters that depend only on the key's bytes, whatever comes before or after it.
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const head = [0, 2, 3][offset];
    const tail = (offset + bytes.length) % 3 === 0 ? 0 : 4;
    const core = encoded.slice(head, encoded.length - tail);
    candidates.add(core);
    candidates.add(core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  const shortest = Math.min(8, secret.length);
  forms = [...candidates].filter((form) => form.length >= shortest).sort((a, b) => b.length - a.length);
  formsCache.set(secret, forms);
  return forms;
}
