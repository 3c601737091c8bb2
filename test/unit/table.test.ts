import { describe, expect, test } from "bun:test"
import { fields, table } from "../../src/commands/table.ts"

describe("table", () => {
  test("pads every column but the last to its widest cell", () => {
    const text = table(["ID", "NAME", "STATUS"], [["1", "alpha", "active"], ["1234", "b", "revoked"]])
    expect(text.split("\n")).toEqual([
      "ID    NAME   STATUS",
      "1     alpha  active",
      "1234  b      revoked"
    ])
  })

  test("a header wider than its cells sets the width", () => {
    expect(table(["LONG HEADER", "X"], [["a", "b"]]).split("\n")).toEqual(["LONG HEADER  X", "a            b"])
  })

  test("no rows: just the header", () => {
    expect(table(["A", "B"], [])).toBe("A  B")
  })

  test("missing cells are empty and lines carry no trailing spaces", () => {
    const lines = table(["A", "B", "C"], [["x"], ["y", "z"]]).split("\n")
    expect(lines).toEqual(["A  B  C", "x", "y  z"])
    for (const line of lines) expect(line).toBe(line.trimEnd())
  })

  test("cells are counted in characters, so non-ASCII text aligns", () => {
    expect(table(["N", "V"], [["é", "1"], ["ab", "2"]]).split("\n")).toEqual(["N   V", "é   1", "ab  2"])
  })
})

describe("fields", () => {
  test("aligns labels", () => {
    expect(fields([["id", "k1"], ["expires", "never"]])).toBe("id       k1\nexpires  never")
  })

  test("an empty value leaves no trailing space", () => {
    expect(fields([["a", ""], ["bb", "x"]])).toBe("a\nbb  x")
  })
})
