import fc from "fast-check";

/*
 * Structural mutations of valid bodies (issue 7, property b) on the parsed JSON: delete, duplicate,
 * rename keys; change types; null; huge numbers; NaN/Infinity; deep nesting; empty arrays;
 * fast-check's own JSON / anything. Byte-level ones are in text-mutations.ts.
 */

/** Keys of every dialect, so a rename can turn one dialect's field into another's. */
const KEYS = [
  "",
  ...[
    "logprob logprobs rank token tokens id text top_logprobs top_tokens prompt_logprobs ",
    "prompt_token_ids token_ids token_logprobs text_offset choices index details prefill ",
    "generated_text best_of_sequences completion_probabilities probs prob top_probs tok_str bytes ",
    "done error error_type error_message detail message object content delta refusal finish_reason ",
    "results response created_at stop special decoded_token usage prompt_tokens model 0 1 128000 -1 ",
    "1e3 NaN __proto__ constructor toString",
  ]
    .join("")
    .split(" "),
];

/** Values that are valid JSON of the wrong type or range, or that JSON cannot carry but a body in memory can. */
const ODD_VALUES: unknown[] = [
  ...[null, true, false, 0, -0, 1, -1, 0.5, -0.5, 1.5, 7, 2 ** 31, 2 ** 53 + 2, -(2 ** 53 + 2)],
  ...[1e308, -1e308, Number.MAX_VALUE, 5e-324, -5e-324, 1e-7, Number.NaN],
  ...[Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -9999, -9999.5, -10000, -3.4028234663852886e38],
  ...["", " ", "NaN", "Infinity", "-Infinity", "1e999", "-0", "0", "-1.5", "token_id:12"],
  ...["token_id:99999999999999999999", "<|eot_id|>", "</s>", "\uFFFD", "\uD800", "é😀", "byte: \\xE2"],
  ...["[DONE]", "text_completion", "chat.completion.chunk", [], {}, [null], [[]], [{}], { "": null }],
  ...[[1, 2, 3], [-1, 256, 1.5], { message: "boom" }, { "0": { logprob: -1, rank: 0 } }],
  { "-5": { logprob: 0.5, rank: -1 } },
];

/** One change at the node `at` (an index into the body's nodes in preorder, taken modulo their count). */
export type JsonMutation =
  | { op: "delete" | "duplicate" | "empty" | "swap" | "sameAsSibling"; at: number }
  | { op: "rename"; at: number; key: string }
  | { op: "replace"; at: number; value: unknown }
  | { op: "nest"; at: number; depth: number; inObject: boolean };

const oddValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ODD_VALUES) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 2 }).map((text) => JSON.parse(text)) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2, withNullPrototype: true, withBigInt: false }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
);

export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  fc.record({
    op: fc.constantFrom(
      "delete" as const,
      "duplicate" as const,
      "empty" as const,
      "swap" as const,
      "sameAsSibling" as const,
    ),
    at: fc.nat(),
  }),
  fc.record({
    op: fc.constant("rename" as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 4 })),
  }),
  fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: oddValue }),
  fc.record({
    op: fc.constant("nest" as const),
    at: fc.nat(),
    depth: fc.oneof(
      { weight: 39, arbitrary: fc.integer({ min: 1, max: 50 }) },
      // Deeper than JSON.stringify prints; rare, as building it costs more than most parses.
      { weight: 1, arbitrary: fc.constantFrom(2_000, 8_000) },
    ),
    inObject: fc.boolean(),
  }),
);

/** 1 to 4 structural mutations. */
export const jsonMutations = fc.array(jsonMutation, { minLength: 1, maxLength: 4 });

type Key = string | number;
type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return value !== null && typeof value === "object";
}

const pathCache = new WeakMap<object, Key[][]>();

/** The path of every node below the root, in preorder (cached per body). */
function pathsOf(root: unknown): Key[][] {
  if (!isContainer(root)) return [];
  const cached = pathCache.get(root);
  if (cached) return cached;
  const out: Key[][] = [];
  const walk = (node: unknown, path: Key[]) => {
    if (!isContainer(node)) return;
    const keys: Key[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    for (const key of keys) {
      const child = [...path, key];
      out.push(child);
      walk((node as Record<Key, unknown>)[key], child);
    }
  };
  walk(root, []);
  pathCache.set(root, out);
  return out;
}

function shallowCopy(node: Container): Container {
  return Array.isArray(node) ? node.slice() : { ...node };
}

/** Sets an own, enumerable property (also for `__proto__`, as JSON.parse would). */
function define(target: Container, key: Key, value: unknown): void {
  // Plain assignment where it means the same: defineProperty turns objects into slow dictionaries.
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else (target as Record<Key, unknown>)[key] = value;
}

function deepNest(value: unknown, depth: number, inObject: boolean): unknown {
  let out = value;
  for (let i = 0; i < depth; i++) out = inObject ? { a: out } : [out];
  return out;
}

/**
 * `root` with the containers on `path` copied and `edit` applied to the copy of the last one; the
 * original is never changed (so bodies, and values fast-check replays while shrinking, can be
 * shared). Undefined when the path no longer leads to a node.
 */
function editAt(root: unknown, path: readonly Key[], edit: (parent: Container, key: Key) => void): unknown {
  if (!isContainer(root)) return undefined;
  const top = shallowCopy(root);
  let node = top;
  for (let i = 0; i < path.length - 1; i++) {
    const child = (node as Record<Key, unknown>)[path[i] as Key];
    if (!isContainer(child) || !Object.hasOwn(node, path[i] as Key)) return undefined;
    const copy = shallowCopy(child);
    define(node, path[i] as Key, copy);
    node = copy;
  }
  const key = path[path.length - 1] as Key;
  if (!Object.hasOwn(node, key)) return undefined;
  edit(node, key);
  return top;
}

function apply(m: JsonMutation, parent: Container, key: Key): void {
  const value = (parent as Record<Key, unknown>)[key];
  const array = Array.isArray(parent);
  switch (m.op) {
    case "delete":
      if (array) parent.splice(key as number, 1);
      else delete parent[key as string];
      break;
    case "duplicate":
      if (array) parent.splice(key as number, 0, value);
      else define(parent, `${key}_copy`, value);
      break;
    case "sameAsSibling": {
      const siblings: Key[] = array ? parent.map((_, i) => i) : Object.keys(parent);
      const other = siblings[(siblings.indexOf(key) + 1) % siblings.length] as Key;
      define(parent, key, (parent as Record<Key, unknown>)[other]);
      break;
    }
    case "empty":
      define(
        parent,
        key,
        Array.isArray(value) ? [] : isContainer(value) ? {} : typeof value === "string" ? "" : null,
      );
      break;
    case "swap":
      if (array && parent.length > 1) {
        const j = ((key as number) + 1) % parent.length;
        [parent[key as number], parent[j]] = [parent[j], parent[key as number]];
      }
      break;
    case "rename":
      if (!array) {
        delete parent[key as string];
        define(parent, m.key, value);
      }
      break;
    case "replace":
      define(parent, key, m.value);
      break;
    case "nest":
      define(parent, key, deepNest(value, m.depth, m.inObject));
      break;
  }
}

/**
 * `body` with the mutations applied in order, each at the node its `at` picks among the original
 * body's nodes (skipped once an earlier mutation removed that node; a replacement of a body with no
 * nodes replaces the body). Copy-on-write: `body` itself is never changed.
 */
export function mutateJson(body: unknown, mutations: readonly JsonMutation[]): unknown {
  const paths = pathsOf(body);
  let root = body;
  for (const m of mutations) {
    if (paths.length === 0) {
      if (m.op === "replace") root = m.value;
      continue;
    }
    root = editAt(root, paths[m.at % paths.length] as Key[], (parent, key) => apply(m, parent, key)) ?? root;
  }
  return root;
}

/** Freezes a body all the way down: a parser that writes into its input then throws a TypeError. */
export function deepFreeze<T>(value: T): T {
  if (isContainer(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
