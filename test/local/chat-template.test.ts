import { describe, expect, it } from "vitest";
import { pythonStrip, renderLlama3Chat } from "../../src/local/chat-template.js";
import { loadTokenizer } from "../../src/local/tokenizer.js";

const H = (role: string) => `<|start_header_id|>${role}<|end_header_id|>\n\n`;

describe("renderLlama3Chat", () => {
  it("renders Meta's Llama 3 Instruct template with the generation prompt by default", () => {
    expect(renderLlama3Chat([{ role: "user", content: "Hi" }])).toBe(
      `<|begin_of_text|>${H("user")}Hi<|eot_id|>${H("assistant")}`,
    );
  });

  it("puts <|begin_of_text|> once, keeps any role and the order of the turns", () => {
    const text = renderLlama3Chat(
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Capital of France?" },
        { role: "assistant", content: "Paris." },
        { role: "ipython", content: "{}" },
      ],
      { addGenerationPrompt: false },
    );
    expect(text).toBe(
      `<|begin_of_text|>${H("system")}Be brief.<|eot_id|>${H("user")}Capital of France?<|eot_id|>` +
        `${H("assistant")}Paris.<|eot_id|>${H("ipython")}{}<|eot_id|>`,
    );
  });

  it("trims content as Jinja's trim (Python str.strip) does", () => {
    expect(renderLlama3Chat([{ role: "user", content: "  \n Hi \t" }])).toContain(`${H("user")}Hi<|eot_id|>`);
    expect(pythonStrip("\u0085\u001c hi \ufeff")).toBe("hi \ufeff");
    expect(pythonStrip("\u3000x\u2028")).toBe("x");
  });

  it("leaves the final message open with continueFinalMessage", () => {
    const text = renderLlama3Chat(
      [
        { role: "user", content: "Name a city." },
        { role: "assistant", content: "The city of " },
      ],
      { continueFinalMessage: true },
    );
    expect(text.endsWith(`${H("assistant")}The city of`)).toBe(true);
    expect(text.match(/<\|eot_id\|>/g)).toHaveLength(1);
  });

  it("tokenizes to the special ids vLLM sends the model", () => {
    const tokenizer = loadTokenizer();
    const ids = tokenizer.encode(renderLlama3Chat([{ role: "user", content: "Hi" }]));
    const assistant = tokenizer.encode("assistant");
    expect(ids).toEqual([128000, 128006, 882, 128007, 271, 13347, 128009, 128006, ...assistant, 128007, 271]);
  });
});
