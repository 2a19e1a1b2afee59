import { z } from "zod";

/**
 * A logprob or probability as it may arrive: any JS number — including NaN and ±Infinity, which
 * JSON cannot carry but a tolerant JSON parser or an in-memory body can — or `null` (TGI's serde
 * and pydantic write NaN / -inf as `null`). Parsers map the non-finite ones to "unknown".
 *
 * @example
 * wireNumberSchema.parse(Number.NaN) // NaN (later cleaned to null)
 */
export const wireNumberSchema = z
  .custom<number>((value) => typeof value === "number", { message: "expected a number" })
  .nullable();
