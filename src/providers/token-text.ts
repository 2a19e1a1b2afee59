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
  return match ? Number(match[1]) : null;
}

/**
 * Whether a token's text is a special token's name (`<|eot_id|>`, `</s>`, `[SEP]`, …), for dialects
 * that do not flag them.
 *
 * @example
 * isSpecialTokenText("<|begin_of_text|>") // true
 */
export function isSpecialTokenText(token: string): boolean {
  return SPECIAL.test(token);
}
