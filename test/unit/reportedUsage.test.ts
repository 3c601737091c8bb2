import { describe, expect, test } from "bun:test"
import { chatUsage } from "../../src/streams/chatUsage.ts"
import { reportedUsage } from "../../src/streams/reportedUsage.ts"

const usage = {
  prompt_tokens: 19,
  completion_tokens: 10,
  total_tokens: 29,
  prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 }
}

const noUsage = Symbol("no usage")

const chatBody = (content: string, usageValue: unknown = usage) =>
  JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "gpt-4o",
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" }],
    ...(usageValue === noUsage ? {} : { usage: usageValue }),
    system_fingerprint: "fp_1"
  })

const expected = { promptTokens: 19, completionTokens: 10, cachedTokens: 4 }

describe("reportedUsage", () => {
  test("reads usage with nested prompt_tokens_details and completion_tokens_details", () => {
    expect(reportedUsage(chatBody("Hello!"))).toEqual(expected)
  })

  test("agrees with parsing the whole body", () => {
    const body = chatBody("Hello {world} with } braces { in text")
    expect(reportedUsage(body)).toEqual(chatUsage(JSON.parse(body)))
    expect(reportedUsage(body)).toEqual(expected)
  })

  test("pretty-printed JSON", () => {
    const body = JSON.stringify(JSON.parse(chatBody("Hi")), null, 2)
    expect(reportedUsage(body)).toEqual(expected)
  })

  test("usage without details counts no cached tokens", () => {
    expect(reportedUsage(chatBody("Hi", { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 }))).toEqual({
      promptTokens: 3,
      completionTokens: 5,
      cachedTokens: 0
    })
  })

  test("no usage: undefined", () => {
    expect(reportedUsage(chatBody("Hi", noUsage))).toBeUndefined()
    expect(reportedUsage("{}")).toBeUndefined()
    expect(reportedUsage("")).toBeUndefined()
  })

  test("\"usage\": null is undefined", () => {
    expect(reportedUsage('{"id":"x","choices":[],"usage":null}')).toBeUndefined()
    expect(reportedUsage(chatBody("Hi", null))).toBeUndefined()
  })

  test("\"usage\": null followed by other objects is still undefined, not zeros", () => {
    const body = '{"id":"x","usage":null,"choices":[{"index":0,"message":{"role":"assistant","content":"Hi"}}]}'
    expect(chatUsage(JSON.parse(body))).toBeUndefined()
    expect(reportedUsage(body)).toBeUndefined()
  })

  test("\"usage\" inside message content before the real key: the last occurrence wins", () => {
    const contents = [
      'the "usage" field is {"prompt_tokens": 999}',
      'ends with "usage',
      '"usage": {"prompt_tokens": 999, "completion_tokens": 999}',
      "usage: {prompt_tokens: 999}"
    ]
    for (const content of contents) {
      expect(reportedUsage(chatBody(content))).toEqual(expected)
    }
  })

  test("a nested object keyed \"usage\" before the real key does not matter", () => {
    const body = JSON.stringify({
      choices: [{ message: { content: "x", tool_calls: [] }, usage: { prompt_tokens: 999 } }],
      usage: { prompt_tokens: 1, completion_tokens: 2 }
    })
    expect(reportedUsage(body)).toEqual({ promptTokens: 1, completionTokens: 2, cachedTokens: 0 })
  })

  test("a content string containing \"usage\" after the real key does not fool it", () => {
    // JSON has no key order: an upstream may send usage before choices. A string value ending in `"usage`
    // serializes as `…\"usage"`, which contains the raw text `"usage"`.
    const body = JSON.stringify({
      id: "x",
      usage: { prompt_tokens: 1, completion_tokens: 2 },
      choices: [{ index: 0, message: { role: "assistant", content: 'I looked at "usage' }, finish_reason: "stop" }],
      metadata: { prompt_tokens: 999, completion_tokens: 999 }
    })
    expect(chatUsage(JSON.parse(body))).toEqual({ promptTokens: 1, completionTokens: 2, cachedTokens: 0 })
    expect(reportedUsage(body)).toEqual({ promptTokens: 1, completionTokens: 2, cachedTokens: 0 })
  })

  test("escaped quotes around usage in later content are not a key", () => {
    const body = JSON.stringify({
      usage: { prompt_tokens: 1, completion_tokens: 2 },
      choices: [{ message: { content: 'the "usage" key' } }]
    })
    expect(reportedUsage(body)).toEqual({ promptTokens: 1, completionTokens: 2, cachedTokens: 0 })
  })

  test("malformed usage: undefined", () => {
    expect(reportedUsage('{"usage":{"prompt_tokens":}}')).toBeUndefined()
    expect(reportedUsage('{"usage":{"prompt_tokens":1,"completion_tokens":2')).toBeUndefined()
    expect(reportedUsage('{"usage":{"prompt_tokens":1,')).toBeUndefined()
    expect(reportedUsage('{"usage":[1,2]}')).toBeUndefined()
    expect(reportedUsage('{"usage":"n/a"}')).toBeUndefined()
    expect(reportedUsage('{"usage":12}')).toBeUndefined()
  })

  test("non-numeric or negative counts read as zero", () => {
    expect(reportedUsage('{"usage":{"prompt_tokens":"7","completion_tokens":-3,"prompt_tokens_details":{"cached_tokens":null}}}')).toEqual({
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0
    })
  })

  test("embeddings usage has prompt_tokens and total_tokens only", () => {
    const body = JSON.stringify({
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.1, -0.2, 0.3] }],
      model: "text-embedding-3-small",
      usage: { prompt_tokens: 8, total_tokens: 8 }
    })
    expect(reportedUsage(body)).toEqual({ promptTokens: 8, completionTokens: 0, cachedTokens: 0 })
  })
})

describe("chatUsage", () => {
  test("reads a body's or a chunk's usage", () => {
    expect(chatUsage(JSON.parse(chatBody("Hi")))).toEqual(expected)
    expect(chatUsage({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } })).toEqual({
      promptTokens: 7,
      completionTokens: 3,
      cachedTokens: 0
    })
  })

  test("no usage, null usage or a non-object: undefined", () => {
    expect(chatUsage({ choices: [] })).toBeUndefined()
    expect(chatUsage({ usage: null })).toBeUndefined()
    expect(chatUsage({ usage: [1] })).toBeUndefined()
    expect(chatUsage({ usage: "7" })).toBeUndefined()
    expect(chatUsage(null)).toBeUndefined()
    expect(chatUsage("usage")).toBeUndefined()
    expect(chatUsage([{ usage: { prompt_tokens: 1 } }])).toBeUndefined()
  })

  test("missing or invalid counts are zero", () => {
    expect(chatUsage({ usage: {} })).toEqual({ promptTokens: 0, completionTokens: 0, cachedTokens: 0 })
    expect(chatUsage({ usage: { prompt_tokens: -1, completion_tokens: "2", prompt_tokens_details: null } })).toEqual({
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0
    })
    expect(chatUsage({ usage: { prompt_tokens: 5, prompt_tokens_details: { cached_tokens: 2 } } })).toEqual({
      promptTokens: 5,
      completionTokens: 0,
      cachedTokens: 2
    })
  })

  test("embeddings usage: prompt tokens only", () => {
    expect(chatUsage({ object: "list", data: [], usage: { prompt_tokens: 8, total_tokens: 8 } })).toEqual({
      promptTokens: 8,
      completionTokens: 0,
      cachedTokens: 0
    })
  })
})
