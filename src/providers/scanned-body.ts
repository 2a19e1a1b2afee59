/**
 * A JSON body read by the scanner: the `envelope` (the body as `JSON.parse` gives it, with the hot
 * fields set to null) and the hot fields' values as the scanner's readers made them, by their
 * dotted path (`"choices.0.prompt_logprobs"`). Parsers that know the readers take it in place of
 * the parsed body.
 *
 * @example
 * if (body instanceof ScannedBody) entries = body.hot.get("choices.0.prompt_logprobs");
 */
export class ScannedBody {
  constructor(
    readonly envelope: unknown,
    readonly hot: ReadonlyMap<string, unknown>,
  ) {}
}
