import { FAILED, skipSpace } from "./scan-json.js";
import { ScannedBody } from "./scanned-body.js";

const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Reads one hot field of a body straight from its text. `path` leads to it: object keys, `"*"` for
 * every element of an array. `read` gets the index of the field's `[` and returns the value and the
 * index after its `]`, or undefined when it cannot read that text exactly as JSON.parse would.
 *
 * @example
 * const reader: HotReader = { path: ["choices", "*", "prompt_logprobs"], read: promptLogprobsReader };
 */
export interface HotReader {
  path: readonly string[];
  read(text: string, at: number): { value: unknown; end: number } | undefined;
}

/**
 * JSON.parse with hot fields read by their readers: walks the text once, and where a reader's path
 * leads to a value starting with `[`, lets the reader read it. `hot` maps the concrete dotted path
 * (`"choices.0.prompt_logprobs"`) to what the reader read; `envelope` is JSON.parse of the rest of
 * the text with each of those values replaced by `null` — small, and validated by JSON.parse. The
 * walk only finds the structure; JSON.parse of the envelope checks everything outside the hot fields.
 * Undefined when the text is not valid JSON, a reader refuses its text, a key on a hot path repeats,
 * or anything this does not handle exactly: the caller then parses the whole body the usual way,
 * which also gives the right error.
 *
 * @example
 * const scanned = scanBody(text, [{ path: ["choices", "*", "prompt_logprobs"], read: promptLogprobsReader }]);
 * scanned?.hot.get("choices.0.prompt_logprobs") // PromptLogprobEntries
 */
export function scanBody(text: string, readers: readonly HotReader[]): ScannedBody | undefined {
  const walk = new BodyWalk(text);
  const end = walk.value(skipSpace(text, 0), 0, readers, "");
  if (end === FAILED || skipSpace(text, end) !== text.length) return undefined;
  let rest = "";
  let from = 0;
  for (let k = 0; k < walk.cuts.length; k += 2) {
    rest += `${text.slice(from, walk.cuts[k])}null`;
    from = walk.cuts[k + 1] as number;
  }
  rest += from === 0 ? text : text.slice(from);
  let envelope: unknown;
  try {
    envelope = JSON.parse(rest);
  } catch {
    return undefined;
  }
  return new ScannedBody(envelope, walk.hot);
}

/** The walk's findings: what the readers read, and the spans they read (start, end pairs). */
class BodyWalk {
  readonly hot = new Map<string, unknown>();
  readonly cuts: number[] = [];
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  /** Walks the value at `i` (after whitespace) with the readers whose paths led here; its end. */
  value(i: number, depth: number, readers: readonly HotReader[], path: string): number {
    if (readers.length === 0) return skipValue(this.text, i);
    const c = this.text.charCodeAt(i);
    const here = readers.find((reader) => reader.path.length === depth);
    if (here !== undefined && c === OPEN_BRACKET) {
      const read = here.read(this.text, i);
      if (read === undefined || !(read.end > i)) return FAILED;
      this.hot.set(path, read.value);
      this.cuts.push(i, read.end);
      return read.end;
    }
    const deeper = here === undefined ? readers : readers.filter((reader) => reader.path.length > depth);
    if (c === OPEN_BRACE) return this.object(i, depth, deeper, path);
    if (c === OPEN_BRACKET) {
      const elements = deeper.filter((reader) => reader.path[depth] === "*");
      return elements.length === 0 ? skipValue(this.text, i) : this.array(i, depth, elements, path);
    }
    return skipValue(this.text, i);
  }

  private object(i: number, depth: number, readers: readonly HotReader[], path: string): number {
    const text = this.text;
    let seen: string[] | undefined;
    i = skipSpace(text, i + 1);
    if (text.charCodeAt(i) === CLOSE_BRACE) return i + 1;
    for (;;) {
      if (text.charCodeAt(i) !== QUOTE) return FAILED;
      const keyEnd = skipString(text, i);
      if (keyEnd === FAILED) return FAILED;
      const next = readersOfKey(text, i, keyEnd, readers, depth);
      if (next === undefined) return FAILED;
      i = skipSpace(text, keyEnd);
      if (text.charCodeAt(i) !== COLON) return FAILED;
      i = skipSpace(text, i + 1);
      if (next.length === 0) i = skipValue(text, i);
      else {
        // The reader's own key in the path, not the slice of the body (which would keep it alive).
        const name = (next[0] as HotReader).path[depth] as string;
        // JSON.parse keeps the last of repeated keys; the walk would have read the first.
        if (seen === undefined) seen = [name];
        else if (seen.includes(name)) return FAILED;
        else seen.push(name);
        i = this.value(i, depth + 1, next, path === "" ? name : `${path}.${name}`);
      }
      if (i === FAILED) return FAILED;
      i = skipSpace(text, i);
      const c = text.charCodeAt(i);
      if (c === CLOSE_BRACE) return i + 1;
      if (c !== COMMA) return FAILED;
      i = skipSpace(text, i + 1);
    }
  }

  private array(i: number, depth: number, readers: readonly HotReader[], path: string): number {
    const text = this.text;
    i = skipSpace(text, i + 1);
    if (text.charCodeAt(i) === CLOSE_BRACKET) return i + 1;
    for (let index = 0; ; index++) {
      i = this.value(i, depth + 1, readers, path === "" ? String(index) : `${path}.${index}`);
      if (i === FAILED) return FAILED;
      i = skipSpace(text, i);
      const c = text.charCodeAt(i);
      if (c === CLOSE_BRACKET) return i + 1;
      if (c !== COMMA) return FAILED;
      i = skipSpace(text, i + 1);
    }
  }
}

const NONE: readonly HotReader[] = [];

/**
 * The readers whose path goes on with the key `text[begin, end)` (a quoted string) at `depth`;
 * undefined when the key has an escape JSON.parse refuses. Keys are compared in place: most are not
 * on any path, and a slice per key would be garbage.
 */
function readersOfKey(
  text: string,
  begin: number,
  end: number,
  readers: readonly HotReader[],
  depth: number,
): readonly HotReader[] | undefined {
  let escaped = false;
  for (let k = begin + 1; k < end - 1; k++) if (text.charCodeAt(k) === BACKSLASH) escaped = true;
  let key: string | undefined;
  if (escaped) {
    try {
      key = JSON.parse(text.slice(begin, end)) as string;
    } catch {
      return undefined;
    }
  }
  let count = 0;
  for (const reader of readers) if (isKey(text, begin, end, key, reader.path[depth] as string)) count++;
  if (count === 0) return NONE;
  if (count === readers.length) return readers;
  return readers.filter((reader) => isKey(text, begin, end, key, reader.path[depth] as string));
}

/** Whether the key `text[begin, end)` (unescaped: `key`, when it has escapes) is `name`. */
function isKey(text: string, begin: number, end: number, key: string | undefined, name: string): boolean {
  if (key !== undefined) return name === key;
  return end - begin - 2 === name.length && text.startsWith(name, begin + 1);
}

/** The end of the string opening at `i` (its closing quote is the first one after an even run of backslashes). */
function skipString(text: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return FAILED;
    let b = quote - 1;
    while (b > i && text.charCodeAt(b) === BACKSLASH) b--;
    if ((quote - 1 - b) % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/**
 * The end of the value at `i`, found by structure only: strings skipped, brackets counted. That is
 * exact for valid JSON; on invalid JSON the envelope's JSON.parse fails, since skipped text stays in it.
 */
function skipValue(text: string, i: number): number {
  const length = text.length;
  let c = text.charCodeAt(i);
  if (c === QUOTE) return skipString(text, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (; i < length; i++) {
      c = text.charCodeAt(i);
      if (c === QUOTE) {
        i = skipString(text, i);
        if (i === FAILED) return FAILED;
        i--;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return i + 1;
    }
    return FAILED;
  }
  const begin = i;
  while (i < length && c !== COMMA && c !== CLOSE_BRACE && c !== CLOSE_BRACKET && c > SPACE)
    c = text.charCodeAt(++i);
  return i > begin ? i : FAILED;
}
