// r.tokens / r.alternatives are arquero tables: their own toCSV / toJSON / toArrowIPC are the
// export formats. These tests pin what round-trips exactly (Arrow IPC: everything) and what a
// reader must ask for (CSV: token columns as strings; JSON: no date guessing).
import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import type { TokenLogprob } from "../../src/core/token-logprob.js";
import { LogprobResult } from "../../src/result.js";
import { tokenRow } from "../fixtures/rows.js";

/** Token texts that break naive CSV/JSON/HTML writers. */
const NASTY = [
  'a,"b"',
  "line\nbreak",
  "tab\there",
  "日本語",
  "😀",
  "é",
  "</script>",
  " 42",
  "007",
  "2024-01",
];

function rows(): TokenLogprob[] {
  const out: TokenLogprob[] = [
    tokenRow({
      position: 0,
      tokenId: 128000,
      token: "<|begin_of_text|>",
      logprob: null,
      rank: null,
      special: true,
    }),
  ];
  NASTY.forEach((token, i) => {
    const position = i + 1;
    const censored = i % 4 === 3;
    out.push(
      tokenRow({
        position,
        tokenId: i % 5 === 4 ? null : 1000 + i,
        token,
        logprob: -0.37 * position - 1e-9,
        rank: censored ? null : (i % 3) + 1,
        rankCensored: censored,
        rankBound: censored ? 2 : null,
        topK: 2,
        isPrompt: position < 8,
        alternatives: [
          { tokenId: 7, token: 'the "best",\nguess', logprob: -0.1, rank: 1 },
          { tokenId: null, token: "☃", logprob: null, rank: null },
        ],
      }),
    );
  });
  return out;
}

const result = new LogprobResult(rows(), { dialect: "test", method: "generated" });
/** `parse` option for fromCSV: every text column (token, top1_token, …) read as strings. */
const asStrings = (table: aq.ColumnTable) =>
  Object.fromEntries(
    table
      .columnNames()
      .filter((name) => [...(table.array(name) as Iterable<unknown>)].some((v) => typeof v === "string"))
      .map((name) => [name, String]),
  );

describe.each([
  ["tokens", () => result.tokens],
  ["alternatives", () => result.alternatives],
])("r.%s exports", (_name, table) => {
  it("Arrow IPC round-trips every value exactly (nulls, booleans, unicode, empty strings)", () => {
    const ipc = table().toArrowIPC();
    expect(ipc).toBeInstanceOf(Uint8Array);
    const back = aq.fromArrow(ipc);
    expect(back.columnNames()).toEqual(table().columnNames());
    expect(back.objects()).toEqual(table().objects());
  });

  it("CSV round-trips every value when text columns are read as strings", () => {
    const csv = table().toCSV();
    const parse = asStrings(table());
    expect(Object.keys(parse)).toContain("token");
    const back = aq.fromCSV(csv, { parse });
    expect(back.columnNames()).toEqual(table().columnNames());
    expect(back.objects()).toEqual(table().objects());
  });

  it("JSON round-trips every value when read without date guessing", () => {
    const json = table().toJSON();
    expect(JSON.parse(json)).toHaveLength(table().numRows());
    const back = aq.fromJSON(json, { autoType: false });
    expect(back.objects()).toEqual(table().objects());
  });
});

describe("CSV text", () => {
  const csv = result.tokens.toCSV();

  it("quotes fields with commas, quotes and newlines (RFC 4180) and keeps unicode as is", () => {
    expect(csv.split("\n")[0]).toMatch(/^position,token_id,token,logprob,/);
    expect(csv).toContain('"a,""b"""');
    expect(csv).toContain('"line\nbreak"');
    expect(csv).toContain("日本語");
    expect(csv).toContain("😀");
    expect(csv).toContain('"the ""best"",\nguess"');
  });

  it("writes null as an empty field, with a header for every column", () => {
    const [header, first] = csv.split("\n");
    const names = header!.split(",");
    expect(names).toEqual(result.tokens.columnNames());
    const bos = aq.fromCSV(`${header}\n${first}\n`).objects()[0] as Record<string, unknown>;
    expect(bos.logprob).toBeNull();
    expect(bos.rank).toBeNull();
  });

  it("needs the token columns parsed as strings: numeric- and date-looking tokens are guessed otherwise", () => {
    const digits = aq.table({ token: ["42", "007"], logprob: [-1, -2] });
    expect(aq.fromCSV(digits.toCSV()).objects()).toEqual([
      { token: 42, logprob: -1 },
      { token: 7, logprob: -2 },
    ]);
    expect(aq.fromCSV(digits.toCSV(), { parse: { token: String } }).objects()).toEqual(digits.objects());
  });

  it("cannot tell an empty token from a null one (use Arrow IPC for that)", () => {
    const empty = aq.table({ token: ["", "x"] });
    expect(aq.fromCSV(empty.toCSV(), { parse: { token: String } }).objects()[0]).toEqual({ token: null });
    expect(aq.fromArrow(empty.toArrowIPC()).objects()).toEqual(empty.objects());
  });
});

describe("JSON text", () => {
  it("is an array of row objects with nulls", () => {
    const rowsJson = JSON.parse(result.tokens.toJSON()) as Record<string, unknown>[];
    expect(rowsJson[0]).toMatchObject({ position: 0, token: "<|begin_of_text|>", logprob: null });
    expect(rowsJson[1]!.token).toBe('a,"b"');
  });

  it("turns date-looking strings into Dates when read with the default autoType", () => {
    const json = aq.table({ token: ["2024-01", "x"] }).toJSON();
    expect(aq.fromJSON(json).get("token", 0)).toBeInstanceOf(Date);
    expect(aq.fromJSON(json, { autoType: false }).get("token", 0)).toBe("2024-01");
  });
});

describe("edge cases", () => {
  it("an empty result exports headers and zero rows", () => {
    const empty = new LogprobResult([], { dialect: "test", method: "generated" });
    expect(empty.tokens.toCSV().trim()).toBe(empty.tokens.columnNames().join(","));
    const back = aq.fromArrow(empty.tokens.toArrowIPC());
    expect(back.numRows()).toBe(0);
    expect(back.columnNames()).toEqual(empty.tokens.columnNames());
  });

  it("a column that is null everywhere stays null in every format", () => {
    const noIds = new LogprobResult(
      rows().map((row) => ({ ...row, tokenId: null })),
      { dialect: "test", method: "decoded_token" },
    ).tokens;
    const ids = (t: aq.ColumnTable) => t.array("token_id") as unknown[];
    expect([...ids(aq.fromArrow(noIds.toArrowIPC()))].every((v) => v === null)).toBe(true);
    expect([...ids(aq.fromCSV(noIds.toCSV(), { parse: asStrings(noIds) }))].every((v) => v === null)).toBe(
      true,
    );
    expect([...ids(aq.fromJSON(noIds.toJSON(), { autoType: false }))].every((v) => v === null)).toBe(true);
  });

  it("10,000 positions round-trip through Arrow IPC", () => {
    const many: TokenLogprob[] = Array.from({ length: 10_000 }, (_, i) =>
      tokenRow({
        position: i,
        tokenId: i,
        token: NASTY[i % NASTY.length]!,
        logprob: i === 0 ? null : -i / 1000,
      }),
    );
    const table = new LogprobResult(many, { dialect: "test", method: "generated" }).tokens;
    const back = aq.fromArrow(table.toArrowIPC());
    expect(back.numRows()).toBe(10_000);
    expect(back.objects({ offset: 9_990 })).toEqual(table.objects({ offset: 9_990 }));
  });
});
