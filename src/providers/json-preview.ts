/**
 * The start of a value's JSON for an error message, never a throw: a value nested deeper than
 * JSON.stringify can print (a body built in memory, or JSON text that JSON.parse could still read)
 * or holding a cycle or a BigInt gets a placeholder instead of a RangeError or TypeError.
 *
 * @example
 * jsonPreview({ a: 1 }, 80) // '{"a":1}'
 */
export function jsonPreview(value: unknown, max = 120): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    return "(a value that cannot be printed as JSON)";
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
