import { describe, expect, test } from "bun:test"
import { glob } from "../../src/domain/glob.ts"

const matches = (pattern: string, name: string) => glob(pattern).test(name)

describe("glob", () => {
  test("a pattern without wildcards matches exactly that name", () => {
    expect(matches("gpt-4o", "gpt-4o")).toBe(true)
    expect(matches("gpt-4o", "gpt-4o-mini")).toBe(false)
    expect(matches("gpt-4o", "my-gpt-4o")).toBe(false)
    expect(matches("gpt-4o", "GPT-4o")).toBe(false)
  })

  test("`*` matches any run of characters, including none", () => {
    expect(matches("gpt-*", "gpt-4o")).toBe(true)
    expect(matches("gpt-*", "gpt-")).toBe(true)
    expect(matches("gpt-*", "gpt")).toBe(false)
    expect(matches("*-mini", "gpt-4o-mini")).toBe(true)
    expect(matches("*sonnet*", "claude-sonnet-4")).toBe(true)
    expect(matches("*", "")).toBe(true)
    expect(matches("*", "anything/at/all")).toBe(true)
  })

  test("`*` crosses `/`", () => {
    expect(matches("openai/*", "openai/gpt-4o")).toBe(true)
    expect(matches("openrouter/*", "openrouter/meta-llama/llama-3-8b")).toBe(true)
    expect(matches("*/gpt-4o", "p1/gpt-4o")).toBe(true)
    expect(matches("*gpt-4o", "p1/gpt-4o")).toBe(true)
    expect(matches("openai/*", "other/gpt-4o")).toBe(false)
  })

  test("`?` matches exactly one character, `/` included", () => {
    expect(matches("gpt-?o", "gpt-4o")).toBe(true)
    expect(matches("gpt-?o", "gpt-o")).toBe(false)
    expect(matches("gpt-?o", "gpt-45o")).toBe(false)
    expect(matches("a?b", "a/b")).toBe(true)
  })

  test("regex metacharacters are literal", () => {
    expect(matches("gpt-4.1", "gpt-4.1")).toBe(true)
    expect(matches("gpt-4.1", "gpt-401")).toBe(false)
    expect(matches("a+b", "a+b")).toBe(true)
    expect(matches("a+b", "aab")).toBe(false)
    expect(matches("(x)", "(x)")).toBe(true)
    expect(matches("(x)", "x")).toBe(false)
    expect(matches("[ab]", "[ab]")).toBe(true)
    expect(matches("[ab]", "a")).toBe(false)
    expect(matches("a|b", "a|b")).toBe(true)
    expect(matches("a|b", "a")).toBe(false)
    expect(matches("^x$", "^x$")).toBe(true)
    expect(matches("x{2}", "x{2}")).toBe(true)
    expect(matches("x{2}", "xx")).toBe(false)
    expect(matches("a\\d", "a\\d")).toBe(true)
    expect(matches("a\\d", "a1")).toBe(false)
    expect(matches("v1.*", "v1.2")).toBe(true)
    expect(matches("v1.*", "v1x2")).toBe(false)
  })

  test("the whole name must match: patterns are anchored", () => {
    expect(matches("4o", "gpt-4o")).toBe(false)
    expect(matches("gpt", "gpt-4o")).toBe(false)
    expect(matches("*4o", "gpt-4o\nextra")).toBe(false)
  })

  test("the empty pattern matches only the empty name", () => {
    expect(matches("", "")).toBe(true)
    expect(matches("", "x")).toBe(false)
  })
})
