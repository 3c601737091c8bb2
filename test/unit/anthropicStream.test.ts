import { describe, expect, test } from "bun:test"
import type { ChatChunk, ReasoningFields, StreamDecoder } from "../../src/domain/Chat.ts"
import { decodeAnthropicStream } from "../../src/providers/anthropic/decodeAnthropicStream.ts"

type Event = { readonly type: string; readonly [key: string]: unknown }

const start = (usage: object = { input_tokens: 10, output_tokens: 1 }): Event => ({
  type: "message_start",
  message: { id: "msg_01S", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, stop_sequence: null, usage }
})
const blockStart = (index: number, content_block: object): Event => ({ type: "content_block_start", index, content_block })
const blockDelta = (index: number, delta: object): Event => ({ type: "content_block_delta", index, delta })
const blockStop = (index: number): Event => ({ type: "content_block_stop", index })
const end = (stop_reason: string, usage: object = { output_tokens: 20 }): Array<Event> => [
  { type: "message_delta", delta: { stop_reason, stop_sequence: null }, usage },
  { type: "message_stop" }
]

const run = (events: ReadonlyArray<Event>, decoder: StreamDecoder = decodeAnthropicStream()): Array<ChatChunk> =>
  events.flatMap((event) => {
    const out = decoder.push(event.type, event)
    if ("failure" in out) throw new Error(out.failure)
    return [...out]
  })

const deltas = (chunks: ReadonlyArray<ChatChunk>) =>
  chunks.flatMap((c) => c.choices.map((choice) => choice.delta as ChatChunk["choices"][number]["delta"] & ReasoningFields))

describe("decodeAnthropicStream", () => {
  test("text: the first chunk carries the role; all chunks share id, model and object", () => {
    const decoder = decodeAnthropicStream()
    const chunks = run([
      start(),
      blockStart(0, { type: "text", text: "" }),
      { type: "ping" },
      blockDelta(0, { type: "text_delta", text: "Hel" }),
      blockDelta(0, { type: "text_delta", text: "lo" }),
      blockStop(0),
      ...end("end_turn")
    ], decoder)
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" })
    for (const chunk of chunks) expect(chunk).toMatchObject({ id: "msg_01S", model: "claude-sonnet-4-5", object: "chat.completion.chunk" })
    expect(deltas(chunks).map((d) => d.content ?? "").join("")).toBe("Hello")
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop")
    expect(decoder.complete()).toBe(true)
  })

  test("complete() is false until message_stop", () => {
    const decoder = decodeAnthropicStream()
    run([start(), blockStart(0, { type: "text", text: "" }), blockDelta(0, { type: "text_delta", text: "x" })], decoder)
    expect(decoder.complete()).toBe(false)
  })

  test("parallel tool calls: each tool_use block is its own call, indexed among tool blocks only, fragments in order", () => {
    const chunks = run([
      start(),
      blockStart(0, { type: "text", text: "" }),
      blockDelta(0, { type: "text_delta", text: "Checking both." }),
      blockStop(0),
      blockStart(1, { type: "tool_use", id: "toolu_P", name: "get_weather", input: {} }),
      blockDelta(1, { type: "input_json_delta", partial_json: "" }),
      blockDelta(1, { type: "input_json_delta", partial_json: "{\"city\":" }),
      blockStart(2, { type: "tool_use", id: "toolu_T", name: "get_time", input: {} }),
      blockDelta(2, { type: "input_json_delta", partial_json: "{\"tz\":\"Asia/Tokyo\"}" }),
      blockDelta(1, { type: "input_json_delta", partial_json: "\"Paris\"}" }),
      blockStop(1),
      blockStop(2),
      ...end("tool_use")
    ])
    const calls = deltas(chunks).flatMap((d) => d.tool_calls ?? [])
    expect(calls).toEqual([
      { index: 0, id: "toolu_P", type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 0, function: { arguments: "{\"city\":" } },
      { index: 1, id: "toolu_T", type: "function", function: { name: "get_time", arguments: "" } },
      { index: 1, function: { arguments: "{\"tz\":\"Asia/Tokyo\"}" } },
      { index: 0, function: { arguments: "\"Paris\"}" } }
    ])
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("tool_calls")
  })

  test("thinking streams as reasoning_content and arrives whole with its signature when the block stops", () => {
    const chunks = run([
      start(),
      blockStart(0, { type: "thinking", thinking: "", signature: "" }),
      blockDelta(0, { type: "thinking_delta", thinking: "Let me " }),
      blockDelta(0, { type: "thinking_delta", thinking: "think." }),
      blockDelta(0, { type: "signature_delta", signature: "EqQBCgIY" }),
      blockStop(0),
      blockStart(1, { type: "redacted_thinking", data: "EmwKAhgB" }),
      blockStop(1),
      blockStart(2, { type: "text", text: "" }),
      blockDelta(2, { type: "text_delta", text: "42" }),
      blockStop(2),
      ...end("end_turn")
    ])
    const all = deltas(chunks)
    expect(all.map((d) => d.reasoning_content ?? "").join("")).toBe("Let me think.")
    expect(all.flatMap((d) => d.thinking_blocks ?? [])).toEqual([
      { type: "thinking", thinking: "Let me think.", signature: "EqQBCgIY" },
      { type: "redacted_thinking", data: "EmwKAhgB" }
    ])
  })

  test("at message_stop one usage chunk without choices: message_start's figures updated by message_delta's", () => {
    const chunks = run([
      start({ input_tokens: 50, cache_creation_input_tokens: 100, cache_read_input_tokens: 2000, output_tokens: 1 }),
      blockStart(0, { type: "text", text: "" }),
      blockDelta(0, { type: "text_delta", text: "ok" }),
      blockStop(0),
      ...end("max_tokens", { input_tokens: null, cache_read_input_tokens: null, output_tokens: 30 })
    ])
    const usage = chunks.filter((c) => c.usage)
    expect(usage).toHaveLength(1)
    expect(usage[0]!.choices).toEqual([])
    expect(usage[0]!.usage).toEqual({ prompt_tokens: 2150, completion_tokens: 30, total_tokens: 2180, prompt_tokens_details: { cached_tokens: 2000 } })
    expect(chunks.at(-1)).toBe(usage[0]!)
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("length")
  })

  test("error events fail the stream with a status by type", () => {
    const cases: Array<[string, number]> = [["overloaded_error", 503], ["rate_limit_error", 429], ["api_error", 502]]
    for (const [type, status] of cases) {
      const decoder = decodeAnthropicStream()
      run([start()], decoder)
      const out = decoder.push("error", { type: "error", error: { type, message: "Overloaded" } })
      expect(out).toEqual({ failure: `${type}: Overloaded`, status })
      expect(decoder.complete()).toBe(false)
    }
  })

  test("data that is not an object fails the stream; unknown event types are skipped", () => {
    const decoder = decodeAnthropicStream()
    expect(decoder.push("message_start", "oops")).toMatchObject({ failure: expect.any(String) })
    expect(decoder.push("future_event", { type: "future_event", stuff: 1 })).toEqual([])
    expect(decoder.push(undefined, { type: "content_block_delta", index: 9, delta: { type: "text_delta", text: "orphan" } })).toEqual([])
  })
})
