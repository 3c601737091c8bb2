import { describe, expect, test } from "bun:test"
import { closeMatches } from "../../src/domain/closeMatches.ts"

const models = ["gpt-4o", "gpt-4o-mini", "o1", "claude-sonnet-4", "llama-3.1-70b-instruct", "deepseek-chat"]

describe("closeMatches", () => {
  test("a one-letter typo", () => {
    expect(closeMatches("gpt-4p", models)).toEqual(["gpt-4o"])
  })

  test("a transposition (two edits)", () => {
    expect(closeMatches("gtp-4o", models)).toEqual(["gpt-4o"])
  })

  test("a missing and an extra letter", () => {
    expect(closeMatches("deepsek-chat", models)).toEqual(["deepseek-chat"])
    expect(closeMatches("deepseekk-chat", models)).toEqual(["deepseek-chat"])
  })

  test("longer names tolerate more edits (a third of the length)", () => {
    expect(closeMatches("lama-3.0-70b-instruckt", models)).toEqual(["llama-3.1-70b-instruct"])
    expect(closeMatches("gxx-4o", models)).toEqual(["gpt-4o"])
    expect(closeMatches("gxxx4o", models)).toEqual([])
  })

  test("a name contained in a model, or containing one", () => {
    expect(closeMatches("sonnet", models)).toEqual(["claude-sonnet-4"])
    expect(closeMatches("openai/gpt-4o-mini-2024", models)).toEqual(["gpt-4o", "gpt-4o-mini"])
  })

  test("matching ignores case but returns the names as written", () => {
    // The same name in another case ranks first, before names that merely contain it.
    expect(closeMatches("GPT-4O-MINI", models)).toEqual(["gpt-4o-mini", "gpt-4o"])
    expect(closeMatches("mini", ["GPT-4o-Mini"])).toEqual(["GPT-4o-Mini"])
  })

  test("substring matches first, then by edit distance, ties alphabetically", () => {
    const names = ["gpt-3a", "gpt-4a", "gpt-4o-mini", "b-gpt-4o", "a-gpt-4o"]
    expect(closeMatches("gpt-4o", names, 10)).toEqual(["a-gpt-4o", "b-gpt-4o", "gpt-4o-mini", "gpt-4a", "gpt-3a"])
  })

  test("at most three by default, and the limit can be set", () => {
    const names = ["m-1", "m-2", "m-3", "m-4", "m-5"]
    expect(closeMatches("m-", names)).toEqual(["m-1", "m-2", "m-3"])
    expect(closeMatches("m-", names, 1)).toEqual(["m-1"])
    expect(closeMatches("m-", names, 5)).toEqual(names)
    expect(closeMatches("m-", names, 0)).toEqual([])
  })

  test("an exact name is its own best match", () => {
    expect(closeMatches("gpt-4o", models)[0]).toBe("gpt-4o")
  })

  test("no suggestions for unrelated names", () => {
    expect(closeMatches("mistral-large", models)).toEqual([])
    expect(closeMatches("text-embedding-3-small", models)).toEqual([])
    expect(closeMatches("whisper", models)).toEqual([])
  })

  test("no suggestions from no names; any iterable works", () => {
    expect(closeMatches("gpt-4o", [])).toEqual([])
    expect(closeMatches("gpt-4p", new Set(models))).toEqual(["gpt-4o"])
    expect(closeMatches("gpt-4p", new Map(models.map((m) => [m, 1])).keys())).toEqual(["gpt-4o"])
  })
})
