import { describe, expect, test } from "bun:test"
import type { ChatChunk, StreamFailure } from "../../src/domain/Chat.ts"
import { gemini } from "../../src/providers/gemini.ts"
import { assembleChunks } from "../providers/contract.ts"
import { signature, signatureUrl } from "../providers/fixtures/gemini.ts"

const chunk = (parts: Array<unknown>, extra: Record<string, unknown> = {}, finishReason?: string) => ({
  candidates: [{ content: { parts, role: "model" }, ...(finishReason === undefined ? {} : { finishReason }), index: 0 }],
  modelVersion: "gemini-2.5-flash",
  responseId: "r1",
  ...extra
})

const decode = (events: Array<unknown>) => {
  const decoder = gemini.translator.decodeStream()
  const chunks = events.flatMap((event) => {
    const out = decoder.push(undefined, event)
    if ("failure" in out) throw new Error(out.failure)
    return [...out]
  })
  return { decoder, chunks }
}

const failure = (event: unknown) => gemini.translator.decodeStream().push(undefined, event) as StreamFailure

describe("gemini decodeStream", () => {
  test("a role chunk first, then deltas in order, the finish reason, then one usage chunk", () => {
    const { decoder, chunks } = decode([
      chunk([{ text: "Hm", thought: true }], { usageMetadata: { promptTokenCount: 5, thoughtsTokenCount: 3 } }),
      chunk([{ text: "Hel" }]),
      chunk([{ text: "lo" }], { usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, thoughtsTokenCount: 3, cachedContentTokenCount: 4 } }, "STOP")
    ])
    const deltas: Array<unknown> = chunks.map((c: ChatChunk) => c.choices[0]?.delta)
    expect(deltas).toEqual([
      { role: "assistant", content: "" },
      { reasoning_content: "Hm" },
      { content: "Hel" },
      { content: "lo" },
      {},
      undefined
    ])
    expect(chunks[4]!.choices[0]!.finish_reason).toBe("stop")
    expect(chunks[5]).toMatchObject({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 } } })
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(["r1"]))
    expect(chunks.every((c) => c.model === "gemini-2.5-flash" && c.object === "chat.completion.chunk")).toBe(true)
    expect(decoder.complete()).toBe(true)
  })

  test("not complete until a finish reason; nothing after it", () => {
    const decoder = gemini.translator.decodeStream()
    decoder.push(undefined, chunk([{ text: "a" }]))
    expect(decoder.complete()).toBe(false)
    decoder.push(undefined, chunk([], {}, "MAX_TOKENS"))
    expect(decoder.complete()).toBe(true)
    expect(decoder.push(undefined, chunk([{ text: "late" }]))).toEqual([])
  })

  test("parallel function calls in one chunk and across chunks: one whole delta each, new indexes", () => {
    const { chunks } = decode([
      chunk([
        { functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: signature },
        { functionCall: { name: "get_weather", args: { city: "Tokyo" } } }
      ]),
      chunk([{ functionCall: { id: "g-3", name: "get_time", args: {} } }], {}, "STOP")
    ])
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
    expect(calls).toEqual([
      {
        index: 0,
        id: `call_r1_0__ts_${signatureUrl}`,
        type: "function",
        function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" },
        extra_content: { google: { thought_signature: signature } }
      } as never,
      { index: 1, id: "call_r1_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Tokyo\"}" } },
      { index: 2, id: "g-3", type: "function", function: { name: "get_time", arguments: "{}" } }
    ])
    expect(assembleChunks([...chunks.slice(0, -1), { ...chunks.at(-1)!, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } }]).finishReason)
      .toBe("tool_calls")
  })

  test("a safety stop and a blocked prompt end with content_filter", () => {
    const finish = (events: Array<unknown>) => decode(events).chunks.flatMap((c) => c.choices.map((choice) => choice.finish_reason)).at(-1)
    expect(finish([chunk([{ text: "Sure, here" }]), chunk([], {}, "SAFETY")])).toBe("content_filter")
    const { decoder, chunks } = decode([{ promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, usageMetadata: { promptTokenCount: 9 }, responseId: "b" }])
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("content_filter")
    expect(chunks.at(-1)!.usage!.prompt_tokens).toBe(9)
    expect(decoder.complete()).toBe(true)
  })

  test("an error event is a stream failure with the status it is recorded with", () => {
    const error = (code: number, status: string) => failure({ error: { code, message: "boom", status } })
    expect(error(429, "RESOURCE_EXHAUSTED")).toEqual({ failure: "RESOURCE_EXHAUSTED: boom", status: 429 })
    expect(error(503, "UNAVAILABLE").status).toBe(503)
    expect(failure({ error: { status: "UNAVAILABLE", message: "overloaded" } }).status).toBe(503)
    expect(error(500, "INTERNAL").status).toBe(502)
    expect(failure({ error: {} })).toEqual({ failure: "Gemini ended the stream with an error", status: 502 })
  })

  test("data that is not a Gemini chunk is a failure", () => {
    expect(failure({ choices: [] }).failure).toContain("not a GenerateContentResponse")
    expect(failure("hello").failure).toBeString()
  })
})
