import Anthropic from "@anthropic-ai/sdk"
import type { RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages/messages"
import { describe, expect, test } from "bun:test"
import type { ChatChunk } from "../../src/domain/Chat.ts"
import { messages } from "../../src/surfaces/messages.ts"

type Delta = Record<string, unknown>

const chunk = (delta: Delta, finish_reason: string | null = null): ChatChunk => ({
  id: "chatcmpl-Stream42",
  object: "chat.completion.chunk",
  created: 1741569952,
  model: "gpt-4.1",
  choices: [{ index: 0, delta, finish_reason, logprobs: null }]
}) as ChatChunk

const usage = (prompt: number, completion: number, cached = 0): ChatChunk => ({
  id: "chatcmpl-Stream42",
  object: "chat.completion.chunk",
  created: 1741569952,
  model: "gpt-4.1",
  choices: [],
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } }
})

const call = (index: number, args: string, head?: { id: string; name: string }): Delta => ({
  tool_calls: [{ index, ...(head ? { id: head.id, type: "function", function: { name: head.name, arguments: args } } : { function: { arguments: args } }) }]
})

/** The SSE text for these chunks, then the end of the stream. */
const encode = (chunks: ReadonlyArray<ChatChunk>, model = "claude-sonnet-4-6"): string => {
  const encoder = messages.encodeStream(model, true)
  return chunks.map(encoder.push).join("") + encoder.end()
}

type Data = RawMessageStreamEvent | { type: "error"; error: { type: string; message: string } }

interface Event {
  readonly event: string
  readonly data: Data
}

/** Parses the SSE text strictly: every event is `event: <type>` then `data: <json>` whose type matches. */
const parse = (sse: string): Array<Event> => {
  expect(sse.endsWith("\n\n")).toBe(true)
  return sse.slice(0, -2).split("\n\n").map((text) => {
    const match = /^event: ([a-z_]+)\ndata: (.+)$/.exec(text)
    if (match === null) throw new Error(`not an SSE event: ${JSON.stringify(text)}`)
    const data = JSON.parse(match[2] ?? "") as Data
    expect(data.type).toBe(match[1] as Data["type"])
    return { event: data.type, data }
  })
}

/** An event as [type, block index, partial JSON], for checking what one push emitted. */
const brief = ({ data }: Event) => [
  data.type,
  "index" in data ? data.index : undefined,
  data.type === "content_block_delta" && data.delta.type === "input_json_delta" ? data.delta.partial_json : undefined
]

interface Folded {
  readonly blocks: Array<Record<string, unknown>>
  readonly stopReason: unknown
  readonly usage: unknown
}

/**
 * Folds the events as Anthropic's format requires: message_start first, blocks opened with sequential indexes,
 * one open at a time, deltas only for the open block, message_delta then message_stop last.
 */
const fold = (events: ReadonlyArray<Event>): Folded => {
  expect(events[0]?.event).toBe("message_start")
  expect(events.at(-1)?.event).toBe("message_stop")
  const blocks: Array<Record<string, unknown>> = []
  let open: number | undefined
  let end: Folded | undefined
  for (const { data } of events.slice(1, -1)) {
    expect(end).toBeUndefined()
    switch (data.type) {
      case "content_block_start": {
        expect(open).toBeUndefined()
        expect(data.index).toBe(blocks.length)
        open = data.index
        blocks.push({ ...data.content_block, ...(data.content_block.type === "tool_use" ? { partial_json: "" } : {}) })
        break
      }
      case "content_block_delta": {
        expect(data.index).toBe(open as number)
        const block = blocks[data.index] ?? {}
        const delta = data.delta
        if (delta.type === "text_delta") block.text = `${block.text}${delta.text}`
        else if (delta.type === "thinking_delta") block.thinking = `${block.thinking}${delta.thinking}`
        else if (delta.type === "signature_delta") block.signature = delta.signature
        else if (delta.type === "input_json_delta") block.partial_json = `${block.partial_json}${delta.partial_json}`
        else throw new Error(`unexpected delta ${delta.type}`)
        break
      }
      case "content_block_stop": {
        expect(data.index).toBe(open as number)
        open = undefined
        break
      }
      case "message_delta": {
        end = { blocks, stopReason: data.delta.stop_reason, usage: data.usage }
        break
      }
      default:
        throw new Error(`unexpected event ${data.type}`)
    }
  }
  expect(open).toBeUndefined()
  if (end === undefined) throw new Error("no message_delta")
  return end
}

describe("messages.encodeStream", () => {
  test("a text stream, byte for byte", () => {
    const sse = encode([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo" }),
      chunk({}, "stop"),
      usage(12, 2)
    ], "claude-haiku-4-5")
    expect(sse).toBe([
      `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_Stream42","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}`,
      `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}`,
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo"}}`,
      `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}`,
      `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":12,"output_tokens":2,"cache_read_input_tokens":0}}`,
      `event: message_stop\ndata: {"type":"message_stop"}`,
      ""
    ].join("\n\n"))
  })

  test("message_start comes with the first chunk, before any block", () => {
    const encoder = messages.encodeStream("m", true)
    expect(parse(encoder.push(chunk({ role: "assistant" }))).map((e) => e.event)).toEqual(["message_start"])
    expect(parse(encoder.push(chunk({ content: "x" }))).map((e) => e.event)).toEqual(["content_block_start", "content_block_delta"])
  })

  test("thinking with its signature, then text, then a tool call; usage with cache reads", () => {
    const folded = fold(parse(encode([
      chunk({ role: "assistant", reasoning_content: "Let me" }),
      chunk({ reasoning_content: " think." }),
      chunk({ thinking_blocks: [{ type: "thinking", thinking: "Let me think.", signature: "EqQBsig==" }] }),
      chunk({ content: "Sure, " }),
      chunk({ content: "checking." }),
      chunk(call(0, "", { id: "toolu_01X", name: "get_weather" })),
      chunk(call(0, "{\"city\": ")),
      chunk(call(0, "\"Paris\"}")),
      chunk({}, "tool_calls"),
      usage(2100, 57, 2048)
    ])))
    expect(folded.blocks).toEqual([
      { type: "thinking", thinking: "Let me think.", signature: "EqQBsig==" },
      { type: "text", text: "Sure, checking." },
      { type: "tool_use", id: "toolu_01X", name: "get_weather", input: {}, partial_json: "{\"city\": \"Paris\"}" }
    ])
    expect(folded.stopReason).toBe("tool_use")
    expect(folded.usage).toEqual({ input_tokens: 52, output_tokens: 57, cache_read_input_tokens: 2048 })
  })

  test("the signature delta comes right before its block stops", () => {
    const events = parse(encode([chunk({ reasoning_content: "a" }), chunk({ thinking_blocks: [{ type: "thinking", thinking: "a", signature: "s" }] }), chunk({ content: "b" })]))
    const at = events.findIndex(({ data }) => data.type === "content_block_delta" && data.delta.type === "signature_delta")
    expect(events[at + 1]?.data).toEqual({ type: "content_block_stop", index: 0 })
  })

  test("a thinking block that comes whole, and a redacted one, are blocks of their own", () => {
    const folded = fold(parse(encode([
      chunk({ thinking_blocks: [{ type: "thinking", thinking: "Whole thought.", signature: "s1" }, { type: "redacted_thinking", data: "ENC" }] }),
      chunk({ reasoning_content: "Next thought." }),
      chunk({ content: "Answer." }, "stop")
    ])))
    expect(folded.blocks).toEqual([
      { type: "thinking", thinking: "Whole thought.", signature: "s1" },
      { type: "redacted_thinking", data: "ENC" },
      { type: "thinking", thinking: "Next thought.", signature: "" },
      { type: "text", text: "Answer." }
    ])
  })

  test("sequential parallel tool calls stream live, each in its own block", () => {
    const encoder = messages.encodeStream("m", true)
    let sse = encoder.push(chunk(call(0, "", { id: "call_a", name: "get_weather" })))
    sse += encoder.push(chunk(call(0, "{\"city\":")))
    sse += encoder.push(chunk(call(0, "\"Paris\"}")))
    // Call 0's arguments are complete JSON, so call 1 opens at once.
    const second = encoder.push(chunk(call(1, "{\"ci", { id: "call_b", name: "get_weather" })))
    expect(parse(second).map(brief)).toEqual([
      ["content_block_stop", 0, undefined],
      ["content_block_start", 1, undefined],
      ["content_block_delta", 1, "{\"ci"]
    ])
    sse += second + encoder.push(chunk(call(1, "ty\":\"Tokyo\"}"))) + encoder.push(chunk({}, "tool_calls")) + encoder.push(usage(40, 30)) + encoder.end()
    const folded = fold(parse(sse))
    expect(folded.blocks).toEqual([
      { type: "tool_use", id: "call_a", name: "get_weather", input: {}, partial_json: "{\"city\":\"Paris\"}" },
      { type: "tool_use", id: "call_b", name: "get_weather", input: {}, partial_json: "{\"city\":\"Tokyo\"}" }
    ])
    expect(folded.stopReason).toBe("tool_use")
  })

  test("interleaved tool calls: the other call's fragments wait, in order, until its block opens", () => {
    const encoder = messages.encodeStream("m", true)
    let sse = encoder.push(chunk(call(0, "{\"path\":", { id: "call_a", name: "read" })))
    const held = encoder.push(chunk(call(1, "{\"cmd\":", { id: "call_b", name: "bash" })))
    expect(held).toBe("")
    sse += held + encoder.push(chunk(call(1, "\"ls")))
    const opened = encoder.push(chunk(call(0, "\"/tmp\"}")))
    expect(parse(opened).map(brief)).toEqual([
      ["content_block_delta", 0, "\"/tmp\"}"],
      ["content_block_stop", 0, undefined],
      ["content_block_start", 1, undefined],
      ["content_block_delta", 1, "{\"cmd\":"],
      ["content_block_delta", 1, "\"ls"]
    ])
    sse += opened + encoder.push(chunk(call(1, " -la\"}"))) + encoder.push(chunk({}, "tool_calls")) + encoder.end()
    expect(fold(parse(sse)).blocks).toEqual([
      { type: "tool_use", id: "call_a", name: "read", input: {}, partial_json: "{\"path\":\"/tmp\"}" },
      { type: "tool_use", id: "call_b", name: "bash", input: {}, partial_json: "{\"cmd\":\"ls -la\"}" }
    ])
  })

  test("three calls interleaved fragment by fragment keep their identities and arguments", () => {
    const args = ["{\"q\":\"alpha\",\"n\":1}", "{\"q\":\"beta\"}", "{}"]
    const pieces = args.map((text) => text.match(/.{1,3}/g) ?? [])
    const chunks: Array<ChatChunk> = args.map((_, i) => chunk(call(i, "", { id: `call_${i}`, name: `tool_${i}` })))
    for (let step = 0; step < Math.max(...pieces.map((p) => p.length)); step++) {
      for (const [i, p] of pieces.entries()) if (p[step] !== undefined) chunks.push(chunk(call(i, p[step]!)))
    }
    const folded = fold(parse(encode([...chunks, chunk({}, "tool_calls"), usage(10, 20)])))
    expect(folded.blocks.map((b) => [b.id, b.name, JSON.parse(String(b.partial_json))])).toEqual(
      args.map((text, i) => [`call_${i}`, `tool_${i}`, JSON.parse(text)])
    )
  })

  test("text arriving while a tool call is incomplete follows it, nothing lost", () => {
    const folded = fold(parse(encode([
      chunk(call(0, "{\"a\":", { id: "call_a", name: "f" })),
      chunk({ content: "Also, " }),
      chunk(call(0, "1}")),
      chunk({ content: "done." }, "tool_calls")
    ])))
    expect(folded.blocks).toEqual([
      { type: "tool_use", id: "call_a", name: "f", input: {}, partial_json: "{\"a\":1}" },
      { type: "text", text: "Also, done." }
    ])
  })

  test("a call with no arguments stays an empty input", () => {
    const folded = fold(parse(encode([chunk(call(0, "", { id: "call_a", name: "now" })), chunk({}, "tool_calls")])))
    expect(folded.blocks).toEqual([{ type: "tool_use", id: "call_a", name: "now", input: {}, partial_json: "" }])
  })

  test("finish reasons, and a stream that ends with no chunk at all", () => {
    expect(fold(parse(encode([chunk({ content: "x" }, "length")]))).stopReason).toBe("max_tokens")
    expect(fold(parse(encode([chunk({ content: "x" }, "content_filter")]))).stopReason).toBe("refusal")
    const empty = fold(parse(encode([])))
    expect(empty).toEqual({ blocks: [], stopReason: "end_turn", usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0 } })
  })

  test("fail: an error event in Anthropic's shape", () => {
    const encoder = messages.encodeStream("m", true)
    encoder.push(chunk({ content: "partial" }))
    expect(parse(encoder.fail("Upstream stream error: boom", "upstream_unavailable"))).toEqual([
      { event: "error", data: { type: "error", error: { type: "api_error", message: "Upstream stream error: boom" } } }
    ])
    expect(parse(encoder.fail("busy", "overloaded_error"))[0]?.data).toMatchObject({ error: { type: "overloaded_error" } })
  })
})

describe("messages.encodeStream read by @anthropic-ai/sdk", () => {
  const finalMessage = async (sse: string) => {
    const client = new Anthropic({
      apiKey: "sk-ant-test",
      baseURL: "http://gateway.test",
      maxRetries: 0,
      fetch: async () => new Response(sse, { headers: { "content-type": "text/event-stream" } })
    })
    const stream = client.messages.stream({ model: "claude-sonnet-4-6", max_tokens: 1024, messages: [{ role: "user", content: "Weather?" }] })
    return stream.finalMessage()
  }

  test("thinking, text, parallel tool calls and usage arrive whole", async () => {
    const message = await finalMessage(encode([
      chunk({ role: "assistant", reasoning_content: "Two cities" }),
      chunk({ reasoning_content: ", two calls." }),
      chunk({ thinking_blocks: [{ type: "thinking", thinking: "Two cities, two calls.", signature: "sig==" }] }),
      chunk({ content: "Let me " }),
      chunk({ content: "check." }),
      chunk(call(0, "", { id: "call_paris", name: "get_weather" })),
      chunk(call(0, "{\"city\":\"Pa")),
      chunk(call(1, "{\"city\":", { id: "call_tokyo", name: "get_weather" })),
      chunk(call(0, "ris\",\"unit\":\"c\"}")),
      chunk(call(1, "\"Tokyo\"}")),
      chunk({}, "tool_calls"),
      usage(3000, 120, 2048)
    ]))
    expect(message.id).toBe("msg_Stream42")
    expect(message.model).toBe("claude-sonnet-4-6")
    expect(message.content.map((block) => block.type)).toEqual(["thinking", "text", "tool_use", "tool_use"])
    expect(message.content[0]).toMatchObject({ type: "thinking", thinking: "Two cities, two calls.", signature: "sig==" })
    expect(message.content[1]).toMatchObject({ type: "text", text: "Let me check." })
    expect(message.content[2]).toMatchObject({ type: "tool_use", id: "call_paris", name: "get_weather", input: { city: "Paris", unit: "c" } })
    expect(message.content[3]).toMatchObject({ type: "tool_use", id: "call_tokyo", name: "get_weather", input: { city: "Tokyo" } })
    expect(message.stop_reason).toBe("tool_use")
    expect(message.stop_sequence).toBeNull()
    expect(message.usage).toMatchObject({ input_tokens: 952, output_tokens: 120, cache_read_input_tokens: 2048, cache_creation_input_tokens: 0 })
  })

  test("a plain answer", async () => {
    const message = await finalMessage(encode([chunk({ role: "assistant", content: "" }), chunk({ content: "Sunny." }), chunk({}, "stop"), usage(9, 3)]))
    expect(message.content).toMatchObject([{ type: "text", text: "Sunny." }])
    expect(message.stop_reason).toBe("end_turn")
    expect(message.usage).toMatchObject({ input_tokens: 9, output_tokens: 3 })
  })

  test("a failed stream rejects with the error's message", async () => {
    const encoder = messages.encodeStream("m", true)
    const sse = encoder.push(chunk({ content: "par" })) + encoder.fail("Upstream overloaded", "overloaded_error")
    await expect(finalMessage(sse)).rejects.toThrow("Upstream overloaded")
  })
})
