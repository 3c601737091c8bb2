import { describe, expect, test } from "bun:test"
import { gemini } from "../../src/providers/gemini.ts"
import { signature, signatureUrl } from "../providers/fixtures/gemini.ts"

const toChat = gemini.translator.toChat

const response = (parts: Array<unknown>, finishReason = "STOP", extra: Record<string, unknown> = {}) => ({
  candidates: [{ content: { parts, role: "model" }, finishReason, index: 0 }],
  usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
  modelVersion: "gemini-2.5-flash",
  responseId: "resp-1",
  ...extra
})

describe("gemini toChat", () => {
  test("a text answer, with id and model from the response", () => {
    const chat = toChat(response([{ text: "Hello" }, { text: " there" }]))!
    expect(chat).toMatchObject({
      id: "resp-1",
      object: "chat.completion",
      model: "gemini-2.5-flash",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello there", refusal: null }, finish_reason: "stop", logprobs: null }],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 }
      }
    })
    expect(chat.choices[0]!.message.tool_calls).toBeUndefined()
    expect(chat.created).toBeNumber()
  })

  test("thought parts become reasoning_content; thinking counts as completion and reasoning tokens", () => {
    const chat = toChat(response([{ text: "Thinking…", thought: true }, { text: "Answer" }], "STOP", {
      usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 5, thoughtsTokenCount: 40, cachedContentTokenCount: 64, totalTokenCount: 145 }
    }))!
    expect(chat.choices[0]!.message).toMatchObject({ content: "Answer", reasoning_content: "Thinking…" })
    expect(chat.usage).toEqual({
      prompt_tokens: 100,
      completion_tokens: 45,
      total_tokens: 145,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 40 }
    })
  })

  test("function calls become tool calls, keeping Gemini's ids and signatures", () => {
    const chat = toChat(response([
      { text: "Let me check." },
      { functionCall: { id: "fc-7", name: "get_weather", args: { city: "Paris" } }, thoughtSignature: signature },
      { functionCall: { name: "get_time" } },
      { text: "", thoughtSignature: signature }
    ]))!
    expect(chat.choices[0]).toMatchObject({
      finish_reason: "tool_calls",
      message: {
        content: "Let me check.",
        tool_calls: [
          {
            id: `fc-7__ts_${signatureUrl}`,
            type: "function",
            function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" },
            extra_content: { google: { thought_signature: signature } }
          },
          { id: "call_resp-1_1", type: "function", function: { name: "get_time", arguments: "{}" } }
        ]
      }
    })
    expect(chat.choices[0]!.message.tool_calls![1]).not.toHaveProperty("extra_content")
    expect(chat.choices[0]!.message.content).toBe("Let me check.")
  })

  test("only function calls: content is null", () => {
    expect(toChat(response([{ functionCall: { name: "f", args: {} } }]))!.choices[0]!.message.content).toBeNull()
  })

  test("finish reasons", () => {
    const finish = (reason: string) => toChat(response([{ text: "x" }], reason))!.choices[0]!.finish_reason
    expect(finish("STOP")).toBe("stop")
    expect(finish("MAX_TOKENS")).toBe("length")
    for (const reason of ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"]) {
      expect(finish(reason)).toBe("content_filter")
    }
    expect(finish("MALFORMED_FUNCTION_CALL")).toBe("stop")
    expect(finish("OTHER")).toBe("stop")
  })

  test("a safety stop without content", () => {
    const chat = toChat({
      candidates: [{ finishReason: "SAFETY", index: 0, safetyRatings: [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }] }],
      usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
      modelVersion: "gemini-2.5-flash",
      responseId: "r"
    })!
    expect(chat.choices[0]).toMatchObject({ message: { content: null }, finish_reason: "content_filter" })
  })

  test("a blocked prompt: no candidates, content null, content_filter", () => {
    const chat = toChat({ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 } })!
    expect(chat.choices[0]).toMatchObject({ message: { content: null }, finish_reason: "content_filter" })
    expect(chat.id).toBeString()
    expect(chat.usage!.prompt_tokens).toBe(8)
  })

  test("other formats are not Gemini's", () => {
    expect(toChat({ id: "chatcmpl-1", object: "chat.completion", choices: [] })).toBeUndefined()
    expect(toChat({ type: "message", content: [] })).toBeUndefined()
    expect(toChat({ candidates: "nope" })).toBeUndefined()
    expect(toChat([response([{ text: "x" }])])).toBeUndefined()
    expect(toChat("text")).toBeUndefined()
    expect(toChat(null)).toBeUndefined()
  })
})
