/**
 * GPT-2's byte-level BPE alphabet (used by Llama 3, GPT-2, Qwen, …): each byte is a printable
 * character, the 68 unprintable bytes shifted to U+0100.. (space → `Ġ`, newline → `Ċ`).
 */
const BYTE_OF: ReadonlyMap<number, number> = (() => {
  const map = new Map<number, number>();
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || byte >= 0xae;
    map.set(printable ? byte : 0x100 + shifted++, byte);
  }
  return map;
})();

/**
 * The exact bytes of a raw byte-level BPE vocabulary piece, or null when the text is not one (a
 * character outside the 256-character alphabet).
 *
 * @example
 * byteLevelPieceBytes("Ġcapital") // bytes of " capital"
 */
export function byteLevelPieceBytes(piece: string): Uint8Array | null {
  const out: number[] = [];
  for (const char of piece) {
    const byte = BYTE_OF.get(char.codePointAt(0)!);
    if (byte === undefined) return null;
    out.push(byte);
  }
  return Uint8Array.from(out);
}
