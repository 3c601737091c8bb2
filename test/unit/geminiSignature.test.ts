import { describe, expect, test } from "bun:test"
import { Result } from "effect"
import type { ChatCompletionMessageFunctionToolCall } from "openai/resources/chat/completions"
import type { ChatRequest } from "../../src/domain/Chat.ts"
import { gemini } from "../../src/providers/gemini.ts"
import { toolCallId } from "../../src/providers/gemini/toolCallId.ts"
import { assembleChunks, decodeAll } from "../providers/contract.ts"
import { signature, signature2, signature2Url } from "../providers/fixtures/gemini.ts"

const anthropicId = /^[A-Za-z0-9_-]+$/

/** Gemini's answer: three parallel calls, the first two signed (as Gemini 3 signs each step), one with Gemini's id. */
const geminiAnswer = {
  candidates: [{
    content: {
      role: "model",
      parts: [
        { functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: signature },
        { functionCall: { id: "fc_9a8b", name: "get_weather", args: { city: "Oslo" } }, thoughtSignature: signature2 },
        { functionCall: { name: "get_time", args: { tz: "Europe/Oslo" } } }
      ]
    },
    finishReason: "STOP"
  }],
  usageMetadata: { promptTokenCount: 50, candidatesTokenCount: 20, thoughtsTokenCount: 30 },
  modelVersion: "gemini-3-pro-preview",
  responseId: "Zx1_abc"
}

const expectedModelTurn = {
  role: "model",
  parts: [
    { functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: signature },
    { functionCall: { id: "fc_9a8b", name: "get_weather", args: { city: "Oslo" } }, thoughtSignature: signature2 },
    { functionCall: { name: "get_time", args: { tz: "Europe/Oslo" } } }
  ]
}

const expectedResults = {
  role: "user",
  parts: [
    { functionResponse: { name: "get_weather", response: { result: "result 0" } } },
    { functionResponse: { id: "fc_9a8b", name: "get_weather", response: { result: "result 1" } } },
    { functionResponse: { name: "get_time", response: { result: "result 2" } } }
  ]
}

/** The next turn as a client sends it, with the tool calls it kept from the previous answer. */
const nextTurn = (calls: ReadonlyArray<ChatCompletionMessageFunctionToolCall>): ChatRequest => ({
  model: "gemini-3-pro-preview",
  messages: [
    { role: "user", content: "Weather in Paris and Oslo, and the time in Oslo?" },
    { role: "assistant", content: null, tool_calls: [...calls] },
    ...calls.map((call, i) => ({ role: "tool" as const, tool_call_id: call.id, content: `result ${i}` }))
  ]
})

const replayed = (calls: ReadonlyArray<ChatCompletionMessageFunctionToolCall>) => {
  const result = gemini.translator.fromChat(nextTurn(calls))
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return (result.success.contents as Array<unknown>).slice(1)
}

const callsOf = () => gemini.translator.toChat(geminiAnswer)!.choices[0]!.message.tool_calls as Array<ChatCompletionMessageFunctionToolCall>

/** What an Anthropic or Responses client keeps: the id, the name and the arguments (as tool_use / function_call). */
const idsOnly = (call: ChatCompletionMessageFunctionToolCall): ChatCompletionMessageFunctionToolCall =>
  ({ id: call.id, type: "function", function: { name: call.function.name, arguments: JSON.stringify(JSON.parse(call.function.arguments)) } })

describe("gemini thought signatures", () => {
  test("ids carry the signature in base64url and stay valid Anthropic tool_use ids", () => {
    const calls = callsOf()
    expect(calls.map((c) => c.id)).toEqual([
      expect.stringMatching(/^call_Zx1abc_0__ts_/),
      `fc_9a8b__ts_${signature2Url}`,
      "call_Zx1abc_2"
    ])
    for (const call of calls) expect(call.id).toMatch(anthropicId)
  })

  test("an OpenAI client echoing the whole tool calls: signatures and Gemini's id come back", () => {
    expect(replayed(callsOf())).toEqual([expectedModelTurn, expectedResults])
  })

  test("an Anthropic or Responses client keeping only ids: the signatures come back from the ids", () => {
    expect(replayed(callsOf().map(idsOnly))).toEqual([expectedModelTurn, expectedResults])
  })

  test("a client that renamed the ids but kept extra_content: the signatures come from extra_content", () => {
    const renamed = callsOf().map((call, i) => ({ ...call, id: `toolu_0${i}` }))
    const [modelTurn] = replayed(renamed) as Array<{ parts: Array<{ thoughtSignature?: string }> }>
    expect(modelTurn!.parts.map((p) => p.thoughtSignature)).toEqual([signature, signature2, undefined])
  })

  test("extra_content wins over the id", () => {
    const [first] = callsOf()
    const call = { ...first!, extra_content: { google: { thought_signature: "b3RoZXI=" } } }
    const [modelTurn] = replayed([call]) as Array<{ parts: Array<{ thoughtSignature?: string }> }>
    expect(modelTurn!.parts[0]!.thoughtSignature).toBe("b3RoZXI=")
  })

  test("the same round trip from a stream", () => {
    const sse = `data: ${JSON.stringify(geminiAnswer)}\r\n\r\n`
    const assembled = assembleChunks(decodeAll(gemini.translator.decodeStream(), sse))
    const calls = assembled.toolCalls.map((c): ChatCompletionMessageFunctionToolCall => ({
      id: c.id,
      type: "function",
      function: { name: c.name, arguments: JSON.stringify(c.arguments) }
    }))
    expect(calls.map((c) => c.id)).toEqual(callsOf().map((c) => c.id))
    expect(replayed(calls)).toEqual([expectedModelTurn, expectedResults])
  })

  test("toolCallId: decode inverts encode; ids of other origins are left alone", () => {
    const id = toolCallId.encode("g1", signature, () => "x")
    expect(toolCallId.decode(id)).toEqual({ geminiId: "g1", signature })
    expect(toolCallId.decode(toolCallId.encode(undefined, signature2, () => "r_0"))).toEqual({ geminiId: undefined, signature: signature2 })
    expect(toolCallId.encode(undefined, undefined, () => "r_0")).toBe("call_r_0")
    expect(toolCallId.decode("call_abc")).toEqual({ geminiId: undefined, signature: undefined })
    expect(toolCallId.decode("toolu_01XYZ")).toEqual({ geminiId: "toolu_01XYZ", signature: undefined })
    expect(toolCallId.decode("g1__ts_")).toEqual({ geminiId: "g1", signature: undefined })
  })

  test("a signature that would not come back identical stays out of the id", () => {
    expect(toolCallId.encode("g1", "YWJj=", () => "x")).toBe("g1")
    expect(toolCallId.encode("g1", "not base64!", () => "x")).toBe("g1")
    expect(toolCallId.encode("g1", "", () => "x")).toBe("g1")
  })
})
