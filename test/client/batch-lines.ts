import { chatResponse, planChat } from "../../src/local/chat-completions.js";
import { completionsResponse } from "../../src/local/completions.js";
import { embeddedEngine } from "../../src/local/engine.js";

const engine = embeddedEngine();

/** Every item an async iterable yields, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/**
 * The success line an OpenAI-Batch runner writes for a request line, its body answered in process
 * by the embedded engine: `/v1/chat/completions` as chat, any other url (or none) as completions.
 */
export function answeredLine(request: { custom_id: string; url?: string; body: any }): string {
  const body =
    request.url === "/v1/chat/completions"
      ? chatResponse(engine, planChat(engine, request.body))
      : completionsResponse(engine, request.body);
  return JSON.stringify({
    id: `batch_req_${request.custom_id}`,
    custom_id: request.custom_id,
    response: { status_code: 200, request_id: `req_${request.custom_id}`, body: JSON.parse(body) },
    error: null,
  });
}
