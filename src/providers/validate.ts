import type { z } from "zod";
import { ResponseShapeError } from "../errors.js";

/**
 * Validates a wire body against its schema once, at the boundary; on failure throws
 * `ResponseShapeError` naming the dialect and the first path that did not match.
 *
 * @example
 * const body = validate(completionResponseSchema, json, "vllm-completions");
 */
export function validate<S extends z.ZodType>(schema: S, body: unknown, dialect: string): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map(String).join(".");
  throw new ResponseShapeError(`response is not a ${dialect} body: ${issue.message}`, { dialect, path });
}
