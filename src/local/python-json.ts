/**
 * JSON text as Python writes it, for the DeepInfra-style DEVUP dialect whose documented events come
 * from `json.dumps` (`", "` / `": "` separators, non-ASCII escaped, floats in `repr` form such as
 * `-3.0` and `1e-05`), while its non-streaming bodies come from FastAPI's compact JSONResponse.
 */

/** Marks a number that Python holds as a float (so `-3` is written `-3.0`). @example pyFloat(-3) */
export class PyFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** @example pythonJson({ logprob: pyFloat(-2) }) // '{"logprob": -2.0}' */
export function pyFloat(value: number): PyFloat {
  return new PyFloat(value);
}

/** Which Python serializer to imitate. @example pythonJson(body, { compact: true }) */
export interface PythonJsonOptions {
  /** `separators=(",", ":")` as FastAPI's JSONResponse (default: json.dumps's `", "` and `": "`). */
  compact?: boolean;
  /** `ensure_ascii` (json.dumps default true; FastAPI's JSONResponse false). */
  ascii?: boolean;
}

/**
 * Serializes plain data the way Python's `json.dumps` would; integers stay integers, numbers that are
 * not integers (or are wrapped in `pyFloat`) use Python's float `repr`.
 *
 * @example
 * pythonJson({ token: { id: 29892, text: "é", logprob: pyFloat(-2.65625) }, details: null })
 * // '{"token": {"id": 29892, "text": "\\u00e9", "logprob": -2.65625}, "details": null}'
 */
export function pythonJson(value: unknown, options: PythonJsonOptions = {}): string {
  const items = options.compact ? "," : ", ";
  const keys = options.compact ? ":" : ": ";
  const ascii = options.ascii ?? !options.compact;
  const string = (s: string) => {
    const json = JSON.stringify(s);
    return ascii
      ? json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
      : json;
  };
  const write = (v: unknown): string => {
    if (v === null || v === undefined) return "null";
    if (v instanceof PyFloat) return pythonFloat(v.value);
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : pythonFloat(v);
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "string") return string(v);
    if (Array.isArray(v)) return `[${v.map(write).join(items)}]`;
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries.map(([k, x]) => `${string(k)}${keys}${write(x)}`).join(items)}}`;
  };
  return write(value);
}

/**
 * Python's `repr(float)`: the shortest round-trip digits (as JS), fixed notation for
 * 1e-4 <= |x| < 1e16 with at least one decimal, else `d.ddde±XX`.
 *
 * @example
 * pythonFloat(-3) // "-3.0";  pythonFloat(0.00001) // "1e-05"
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, exp] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const e = Number(exp);
  const sign = x < 0 ? "-" : "";
  if (e >= -4 && e < 16) {
    if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
    const whole = digits.slice(0, e + 1).padEnd(e + 1, "0");
    return `${sign}${whole}.${digits.slice(e + 1) || "0"}`;
  }
  const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${body}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}
