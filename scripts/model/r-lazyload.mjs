// Reads character vectors out of an R lazy-load database (the Rdata.rdb/.rdx pair R packages ship
// their data in), without R. Only what such data sets need is implemented: XDR serialization
// versions 2 and 3 with vectors, pairlists, symbols and references.
import { readFileSync } from "node:fs";
import { gunzipSync, inflateSync } from "node:zlib";

/**
 * Every object of `<base>.rdx`/`<base>.rdb` that is a character vector, by name.
 *
 * @example
 * readRLazyLoad("…/janeaustenr/data/Rdata").persuasion[0] // "Persuasion"
 */
export function readRLazyLoad(base) {
  const index = unserialize(decompressIndex(readFileSync(`${base}.rdx`)));
  const db = readFileSync(`${base}.rdb`);
  const variables = field(index, "variables");
  const names = attribute(variables, "names");
  const out = {};
  names.value.forEach((name, i) => {
    const [offset, length] = variables.value[i].value;
    const chunk = db.subarray(offset, offset + length);
    // Each object: 4-byte big-endian uncompressed length, then a zlib stream (compress = TRUE).
    const object = unserialize(inflateSync(chunk.subarray(4)));
    if (object.type === STRSXP) out[name] = object.value;
  });
  return out;
}

const LISTSXP = 2;
const SYMSXP = 1;
const CHARSXP = 9;
const LGLSXP = 10;
const INTSXP = 13;
const REALSXP = 14;
const STRSXP = 16;
const VECSXP = 19;
const REFSXP = 255;
const NILVALUE = 254;
const SPECIAL_HOOKS = new Set([242, 241, 253, 252, 251, 247]); // empty/base/global env, unbound, missing, base namespace

function decompressIndex(bytes) {
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : inflateSync(bytes.subarray(4));
}

function unserialize(bytes) {
  if (bytes[0] !== 0x58 || bytes[1] !== 0x0a) throw new Error("not an XDR R serialization (expected 'X\\n')");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  const int = () => {
    const v = view.getInt32(at);
    at += 4;
    return v;
  };
  const version = int();
  int(); // writer's R version
  int(); // minimal R version
  if (version === 3) {
    const nameLength = int(); // then the native encoding's name, which these data sets do not need
    at += nameLength;
  } else if (version !== 2) throw new Error(`R serialization version ${version} is not supported`);
  const refs = [];

  const item = () => {
    const flags = int();
    const type = flags & 0xff;
    const hasAttr = (flags & 0x200) !== 0;
    const hasTag = (flags & 0x400) !== 0;
    if (type === NILVALUE) return { type, value: null };
    if (SPECIAL_HOOKS.has(type)) return { type, value: null };
    if (type === REFSXP) {
      const index = flags >> 8 || int();
      return refs[index - 1];
    }
    if (type === SYMSXP) {
      const symbol = { type, value: item().value };
      refs.push(symbol);
      return symbol;
    }
    if (type === LISTSXP) {
      const attr = hasAttr ? item() : undefined;
      const tag = hasTag ? item().value : undefined;
      const car = item();
      const cdr = item();
      return { type, attr, entries: [{ tag, value: car }, ...(cdr.entries ?? [])] };
    }
    if (type === CHARSXP) {
      const length = int();
      if (length === -1) return { type, value: null };
      const text = bytes.subarray(at, at + length);
      at += length;
      // levels bit 2 = LATIN1; everything else in these data sets is UTF-8 or ASCII.
      const latin1 = ((flags >> 12) & 4) !== 0;
      return { type, value: new TextDecoder(latin1 ? "latin1" : "utf-8").decode(text) };
    }
    const length = vectorLength();
    let value;
    if (type === LGLSXP || type === INTSXP) value = Array.from({ length }, int);
    else if (type === REALSXP) {
      value = Array.from({ length }, () => {
        const v = view.getFloat64(at);
        at += 8;
        return v;
      });
    } else if (type === STRSXP || type === VECSXP) {
      value = Array.from({ length }, () => (type === STRSXP ? item().value : item()));
    } else {
      throw new Error(`R type ${type} is not supported by this reader`);
    }
    return { type, value, attr: hasAttr ? item() : undefined };
  };
  const vectorLength = () => {
    const n = int();
    if (n !== -1) return n;
    const high = int();
    return high * 2 ** 32 + (int() >>> 0);
  };
  return item();
}

function attribute(object, name) {
  return object.attr?.entries.find((e) => e.tag === name)?.value;
}

function field(list, name) {
  const names = attribute(list, "names").value;
  return list.value[names.indexOf(name)];
}
