/** A chat message whose content is already plain text. @example const m: TemplateMessage = { role: "user", content: "Hi" }; */
export interface TemplateMessage {
  role: string;
  content: string;
}

/** Template switches, as vLLM passes them to the chat template. @example renderLlama3Chat(messages, { addGenerationPrompt: false }) */
export interface ChatTemplateOptions {
  /** Open an assistant turn at the end (default true), as vLLM's `add_generation_prompt`. */
  addGenerationPrompt?: boolean;
  /** Leave the final message open (no `<|eot_id|>`) so the model continues it; excludes addGenerationPrompt. */
  continueFinalMessage?: boolean;
}

const BOS = "<|begin_of_text|>";
const EOT = "<|eot_id|>";
const ASSISTANT_HEADER = "<|start_header_id|>assistant<|end_header_id|>\n\n";

/**
 * The Llama 3 Instruct chat template (Meta-Llama-3-8B-Instruct's Jinja template) as a pure function:
 * `<|begin_of_text|>` once, then per message
 * `<|start_header_id|>{role}<|end_header_id|>\n\n{content | trim}<|eot_id|>`, then the assistant
 * header when `addGenerationPrompt`. `continueFinalMessage` cuts the text right after the final
 * message's content, as transformers' `apply_chat_template` does.
 *
 * @example
 * renderLlama3Chat([{ role: "user", content: "Hi" }])
 * // "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
 */
export function renderLlama3Chat(
  messages: readonly TemplateMessage[],
  options: ChatTemplateOptions = {},
): string {
  const continueFinal = options.continueFinalMessage ?? false;
  const addGenerationPrompt = options.addGenerationPrompt ?? !continueFinal;
  let text = "";
  messages.forEach((message, i) => {
    const turn = `<|start_header_id|>${message.role}<|end_header_id|>\n\n${pythonStrip(message.content)}${EOT}`;
    text += i === 0 ? BOS + turn : turn;
  });
  if (continueFinal && messages.length > 0) {
    // transformers: rendered[: rindex(final) + len(final)], retried with the stripped content.
    const final = pythonStrip(messages[messages.length - 1]!.content);
    if (final.length > 0) text = text.slice(0, text.lastIndexOf(final) + final.length);
  }
  if (addGenerationPrompt) text += ASSISTANT_HEADER;
  return text;
}

/** Python's `str.isspace()` characters, which Jinja's `trim` (`str.strip()`) removes. */
const PY_SPACE =
  "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const LEADING = new RegExp(`^${PY_SPACE}+`);
const TRAILING = new RegExp(`${PY_SPACE}+$`);

/**
 * Python's `str.strip()`: unlike JS `trim()` it removes U+001C..U+001F and U+0085 and keeps U+FEFF.
 *
 * @example
 * pythonStrip("\u0085 hi \ufeff") // "hi \ufeff"
 */
export function pythonStrip(text: string): string {
  return text.replace(LEADING, "").replace(TRAILING, "");
}
