import type { ChatMessage, ChatRequest } from "../providers/chat-request-schema.js";
import { RAW_TEXT_CHAT_TEMPLATE } from "../providers/vllm-chat-prompt.js";
import { ApiError } from "./api-error.js";
import { chatLogprobEntry } from "./chat-logprobs.js";
import { renderLlama3Chat } from "./chat-template.js";
import type { Engine } from "./engine-types.js";
import type { PositionQuery } from "./language-model.js";
import { choiceRandom, generateAll, requestSeed } from "./sampling-loop.js";
import { checkContext, checkLogprobs, promptLogprobsParts, pushJsonArray, responseId } from "./vllm-json.js";

/**
 * A validated `/v1/chat/completions` request, shared by the JSON and the streaming answer.
 *
 * @example
 * const plan: ChatPlan = planChat(engine, { messages: [{ role: "user", content: "Hi" }] }); plan.ids.length
 */
export interface ChatPlan {
  request: ChatRequest;
  model: string;
  /** The templated prompt's token ids. */
  ids: number[];
  /** Role of the answer: "assistant", or the last message's role without a generation prompt. */
  role: string;
  /** With `echo`: the last message's content when it has the answer's role (prepended to the answer). */
  echoContent: string;
  n: number;
  maxTokens: number;
  temperature: number;
  seed: number;
  /** `top_logprobs` when `logprobs` is true, else null (no logprobs in the answer). */
  topLogprobs: number | null;
  /** Top-level `prompt_logprobs` steps (null at 0), or null. */
  promptSteps: (PositionQuery | null)[] | null;
}

/**
 * Validates a chat request as vLLM does (reference/wire-formats.md §1.9; vLLM chat_completion/protocol.py
 * validators, with their messages), renders the Llama 3 chat template and tokenizes it (special-token
 * text becomes special ids, as HF does), and scores the prompt when `prompt_logprobs` asks for it.
 *
 * @example
 * planChat(engine, { messages: [{ role: "user", content: "Hi" }], logprobs: true, top_logprobs: 3, max_tokens: 5 })
 */
export function planChat(engine: Engine, request: ChatRequest): ChatPlan {
  const { tokenizer, model } = engine;
  if (request.stream_options && !request.stream) {
    throw new ApiError(400, "Stream options can only be defined when `stream=True`.", "stream_options");
  }
  const promptLogprobsRaw = request.prompt_logprobs;
  if (promptLogprobsRaw !== null && promptLogprobsRaw !== undefined) {
    if (request.stream && (promptLogprobsRaw > 0 || promptLogprobsRaw === -1)) {
      throw new ApiError(400, "`prompt_logprobs` are not available when `stream=True`.", "prompt_logprobs");
    }
  }
  const topRaw = request.top_logprobs;
  if (topRaw !== null && topRaw !== undefined) {
    if (topRaw < -1)
      throw new ApiError(400, "`top_logprobs` must be a positive value or -1.", "top_logprobs");
    if ((topRaw === -1 || topRaw > 0) && !request.logprobs) {
      throw new ApiError(400, "when using `top_logprobs`, `logprobs` must be set to true.", "top_logprobs");
    }
  }
  if (request.continue_final_message && request.add_generation_prompt) {
    throw new ApiError(400, "Cannot set both `continue_final_message` and `add_generation_prompt` to True.");
  }
  // Only the raw pass-through template is trusted (batch files exported with endpoint "chat"); any
  // other request template is refused, as vLLM refuses them without --trust-request-chat-template.
  const rawText = request.chat_template === RAW_TEXT_CHAT_TEMPLATE;
  if (request.chat_template && !rawText) {
    throw new ApiError(
      400,
      `Chat template is passed with request, but the embedded server renders only the Llama 3 chat template and the pass-through template ${JSON.stringify(RAW_TEXT_CHAT_TEMPLATE)}. Refused request with untrusted chat template; leave \`chat_template\` unset.`,
      "chat_template",
    );
  }
  const n = request.n ?? 1;
  if (n < 1) throw new ApiError(400, `n must be at least 1, got ${n}.`, "n");
  const temperature = request.temperature ?? 1;
  if (temperature < 0) {
    throw new ApiError(400, `temperature must be non-negative, got ${temperature}.`, "temperature");
  }
  const addGenerationPrompt = request.add_generation_prompt ?? !request.continue_final_message;
  const messages = request.messages.map((m, i) => ({ role: m.role, content: messageText(m, i) }));
  // The pass-through template renders bos_token as its text, read back as the BOS id below.
  const rendered = rawText
    ? `<|begin_of_text|>${messages[0]!.content}`
    : renderLlama3Chat(messages, {
        addGenerationPrompt,
        continueFinalMessage: request.continue_final_message ?? false,
      });
  const ids = [...(request.add_special_tokens ? [tokenizer.bos] : []), ...tokenizer.encode(rendered)];
  const maxParam = request.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
  const requestedMax = request.max_completion_tokens ?? request.max_tokens;
  if (requestedMax !== null && requestedMax !== undefined && requestedMax < 1) {
    throw new ApiError(400, `max_tokens must be at least 1, got ${requestedMax}.`, maxParam);
  }
  // Without a limit vLLM asks for 0 output tokens up front, then fills whatever room the context
  // window leaves; a prompt that leaves no room at all is refused the same way.
  checkContext(engine, ids.length, requestedMax ?? 0, maxParam);
  if (ids.length >= engine.maxModelLen) {
    throw new ApiError(
      400,
      `This model's maximum context length is ${engine.maxModelLen} tokens. However, your prompt contains ${ids.length} input tokens, which leaves no room for output tokens. Please reduce the length of the input prompt. (parameter=input_tokens, value=${ids.length})`,
      "input_tokens",
    );
  }
  const maxTokens = requestedMax ?? engine.maxModelLen - ids.length;
  const topLogprobs = request.logprobs ? checkLogprobs(engine, topRaw ?? 0, "sample", "top_logprobs") : null;
  const promptK = checkLogprobs(engine, promptLogprobsRaw ?? (request.echo ? (topRaw ?? 0) : null), "prompt");
  const context = Uint32Array.from(ids);
  const promptSteps =
    promptK === null
      ? null
      : ids.map((id, i) => (i === 0 ? null : model.query(context.subarray(0, i), id, promptK)));
  const role = addGenerationPrompt ? "assistant" : messages[messages.length - 1]!.role;
  const last = messages[messages.length - 1]!;
  return {
    request,
    model: request.model ?? "logprob-lab-embedded",
    ids,
    role,
    echoContent: request.echo && last.role === role ? last.content : "",
    n,
    maxTokens,
    temperature,
    seed: requestSeed(request.seed),
    topLogprobs,
    promptSteps,
  };
}

/**
 * Answers a non-streaming `POST /v1/chat/completions` in vLLM's shape: `choices[].message`,
 * `choices[].logprobs.content[]` (see chatLogprobEntry for the `top_logprobs` order), finish_reason
 * "stop" at `<|eot_id|>`/`<|end_of_text|>` else "length", `token_ids` / top-level `prompt_token_ids`
 * with `return_token_ids`, top-level `prompt_logprobs`, usage. Returns JSON text (key order kept).
 *
 * @example
 * chatResponse(engine, planChat(engine, { messages: [{ role: "user", content: "Hi" }], max_tokens: 3 }))
 */
export function chatResponse(engine: Engine, plan: ChatPlan): string {
  return chatBody(engine, plan).join("");
}

/**
 * `chatResponse` as pieces of JSON text, in order, for the server to write without joining them
 * (see `completionsBody`).
 *
 * @example
 * chatBody(engine, plan).join("")
 */
export function chatBody(engine: Engine, plan: ChatPlan): string[] {
  const { tokenizer, model } = engine;
  const { request } = plan;
  const asIds = request.return_tokens_as_token_ids === true;
  const choices: string[] = [];
  let completionTokens = 0;
  for (let j = 0; j < plan.n; j++) {
    const { tokens, finish } = generateAll(model, plan.ids, {
      maxTokens: plan.maxTokens,
      temperature: plan.temperature,
      random: choiceRandom(plan.seed, j),
      topK: plan.topLogprobs,
    });
    completionTokens += tokens.length;
    const ids = tokens.map((t) => t.id);
    const content = plan.echoContent + tokenizer.decode(ids.filter((id) => !tokenizer.isSpecial(id)));
    const logprobs =
      plan.topLogprobs === null
        ? "null"
        : `{"content":[${tokens.map((t) => chatLogprobEntry(tokenizer, t.id, t.query!, plan.topLogprobs!, asIds)).join(",")}]}`;
    choices.push(
      `{"index":${j},"message":{"role":${JSON.stringify(plan.role)},"content":${JSON.stringify(content)},` +
        `"refusal":null,"annotations":null,"audio":null,"function_call":null,"reasoning":null},` +
        `"logprobs":${logprobs},"finish_reason":${JSON.stringify(finish)},"stop_reason":null,` +
        `"token_ids":${request.return_token_ids ? JSON.stringify(ids) : "null"}}`,
    );
  }
  const head = JSON.stringify({
    id: responseId("chatcmpl"),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: plan.model,
  }).slice(0, -1);
  const usage = `{"prompt_tokens":${plan.ids.length},"total_tokens":${plan.ids.length + completionTokens},"completion_tokens":${completionTokens},"prompt_tokens_details":null}`;
  const body = [
    `${head},"choices":[${choices.join(",")}],"service_tier":null,"system_fingerprint":null,"usage":${usage},"prompt_logprobs":`,
  ];
  if (plan.promptSteps) pushJsonArray(body, promptLogprobsParts(plan.promptSteps, plan.ids, tokenizer));
  else body.push("null");
  body.push(
    `,"prompt_token_ids":${request.return_token_ids ? JSON.stringify(plan.ids) : "null"},"kv_transfer_params":null}`,
  );
  return body;
}

/** A message's text: a string, text parts joined with "\n" (vLLM's "string" content format), or "" for null. */
function messageText(message: ChatMessage, index: number): string {
  const { content } = message;
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .map((part, p) => {
      if (part.type !== "text" || typeof part.text !== "string") {
        throw new ApiError(
          400,
          `The embedded model reads text only; messages[${index}].content[${p}] has type "${part.type}".`,
          `messages.${index}.content.${p}`,
        );
      }
      return part.text;
    })
    .join("\n");
}
