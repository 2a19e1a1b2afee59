const PLACEHOLDER = /^token_id:(\d+)$/;
const SPECIAL = /^(<\|[^|<>]{1,64}\|>|<\/?s>|<unk>|<pad>|<eos>|<bos>|\[(CLS|SEP|PAD|UNK|MASK)\])$/;

/**
 * The id inside vLLM's `return_tokens_as_token_ids` placeholder, or null.
 *
 * @example
 * tokenIdFromPlaceholder("token_id:1917") // 1917
 */
export function tokenIdFromPlaceholder(token: string): number | null {
  const match = PLACEHOLDER.exec(token);
  return match ? tokenIdFromKey(match[1] as string) : null;
}

/**
 * The token id a vLLM `prompt_logprobs` dict key (or placeholder digits) spells, or null when it
 * spells none: not all digits, or too large to be exact (`Number` would give NaN or a rounded id).
 *
 * @example
 * tokenIdFromKey("791") // 791
 * tokenIdFromKey("99999999999999999999") // null
 */
export function tokenIdFromKey(key: string): number | null {
  // A loop, not a regex + Number(): this runs for every key of every prompt_logprobs dict.
  const length = key.length;
  if (length === 0) return null;
  let id = 0;
  for (let i = 0; i < length; i++) {
    const digit = key.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return null;
    id = id * 10 + digit;
  }
  return id <= Number.MAX_SAFE_INTEGER ? id : null;
}

/**
 * Whether a token's text is a special token's name (`<|eot_id|>`, `</s>`, `[SEP]`, …), for dialects
 * that do not flag them.
 *
 * @example
 * isSpecialTokenText("<|begin_of_text|>") // true
 */
export function isSpecialTokenText(token: string): boolean {
  // Every such name starts with "<" or "["; most tokens are settled without the regex.
  const first = token.charCodeAt(0);
  return (first === 60 || first === 91) && SPECIAL.test(token);
}
