import { describe, expect, it } from "vitest";
import { pyFloat, pythonFloat, pythonJson } from "../../src/local/python-json.js";

describe("pythonFloat", () => {
  it("writes floats as Python's repr does", () => {
    expect(pythonFloat(-2.65625)).toBe("-2.65625");
    expect(pythonFloat(-3)).toBe("-3.0");
    expect(pythonFloat(0)).toBe("0.0");
    expect(pythonFloat(0.0001)).toBe("0.0001");
    expect(pythonFloat(0.00001)).toBe("1e-05");
    expect(pythonFloat(-1.5e-7)).toBe("-1.5e-07");
    expect(pythonFloat(1e16)).toBe("1e+16");
    expect(pythonFloat(123456789012345.6)).toBe("123456789012345.6");
    expect(pythonFloat(1234.5)).toBe("1234.5");
    for (const x of [-0.39575195, -1e-300, 2.5e-5, -9999.0]) expect(Number(pythonFloat(x))).toBe(x);
  });
});

describe("pythonJson", () => {
  it("uses json.dumps's separators and ensure_ascii by default", () => {
    expect(
      pythonJson({ token: { id: 29892, text: "é😀", logprob: pyFloat(-2), special: false }, details: null }),
    ).toBe(
      '{"token": {"id": 29892, "text": "\\u00e9\\ud83d\\ude00", "logprob": -2.0, "special": false}, "details": null}',
    );
  });

  it("is compact and keeps non-ASCII like FastAPI's JSONResponse when asked", () => {
    expect(pythonJson({ a: [1, 2.5], b: "é" }, { compact: true })).toBe('{"a":[1,2.5],"b":"é"}');
    expect(JSON.parse(pythonJson({ a: "\u007f\n" }))).toEqual({ a: "\u007f\n" });
  });
});
