/**
 * Whether a value is a plain object (what `JSON.parse` makes of `{…}`): the hand checks of wire
 * bodies accept only these, and leave anything else to zod.
 *
 * @example
 * isPlainObject(JSON.parse("{}")) // true; isPlainObject([]) // false
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
