/**
 * The hand check of a chat `logprobs.content` (or `refusal`) array (`z.array(chatTokenLogprobSchema)`)
 * for `validateFast`: true only for values the schema accepts — each entry an object with a string
 * `token`, a number or null `logprob` (any number: NaN and ±Infinity are cleaned to unknown later),
 * `bytes` absent, null or integers 0..255, and `top_logprobs` absent, null or an array of such
 * `{token, logprob, bytes}` entries.
 *
 * @example
 * acceptsChatTokenLogprobs([{ token: "Hi", logprob: -0.3, bytes: [72, 105], top_logprobs: [] }]) // true
 */
export function acceptsChatTokenLogprobs(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const entry: unknown = value[i];
    if (!acceptsTop(entry)) return false;
    const tops = (entry as { top_logprobs?: unknown }).top_logprobs;
    if (tops === undefined || tops === null) continue;
    if (!Array.isArray(tops)) return false;
    for (let j = 0; j < tops.length; j++) if (!acceptsTop(tops[j])) return false;
  }
  return true;
}

function acceptsTop(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const { token, logprob, bytes } = value as { token?: unknown; logprob?: unknown; bytes?: unknown };
  return (
    typeof token === "string" &&
    (logprob === null || typeof logprob === "number") &&
    (bytes === undefined || bytes === null || acceptsBytes(bytes))
  );
}

function acceptsBytes(bytes: unknown): boolean {
  if (!Array.isArray(bytes)) return false;
  for (let i = 0; i < bytes.length; i++) {
    const byte: unknown = bytes[i];
    if (!Number.isSafeInteger(byte) || (byte as number) < 0 || (byte as number) > 255) return false;
  }
  return true;
}
