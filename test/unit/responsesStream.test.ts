import { describe, expect, test } from "bun:test"
import type { ChatChunk } from "../../src/domain/Chat.ts"
import { responses } from "../../src/surfaces/responses.ts"

type Delta = Record<string, unknown>
type Json = Record<string, unknown>

const chunk = (delta: Delta, finish_reason: string | null = null): ChatChunk => ({
  id: "chatcmpl-Stream42",
  object: "chat.completion.chunk",
  created: 1741569952,
  model: "gpt-4.1",
  choices: [{ index: 0, delta, finish_reason, logprobs: null }]
}) as ChatChunk

const usage = (prompt: number, completion: number, cached = 0, reasoning = 0): ChatChunk => ({
  id: "chatcmpl-Stream42",
  object: "chat.completion.chunk",
  created: 1741569952,
  model: "gpt-4.1",
  choices: [],
  usage: {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: reasoning }
  }
})

const call = (index: number, args: string, head?: { id: string; name: string }): Delta => ({
  tool_calls: [{ index, ...(head ? { id: head.id, type: "function", function: { name: head.name, arguments: args } } : { function: { arguments: args } }) }]
})

const encode = (chunks: ReadonlyArray<ChatChunk>, model = "my-alias"): string => {
  const encoder = responses.encodeStream(model, false)
  return chunks.map(encoder.push).join("") + encoder.end()
}

/** Parses the SSE text strictly: `event: <type>` then `data: <json>` whose type matches, numbered 0, 1, 2… */
const parse = (sse: string): Array<Json> => {
  expect(sse.endsWith("\n\n")).toBe(true)
  return sse.slice(0, -2).split("\n\n").map((text, n) => {
    const match = /^event: ([a-z_.]+)\ndata: (.+)$/.exec(text)
    if (match === null) throw new Error(`not an SSE event: ${JSON.stringify(text)}`)
    const data = JSON.parse(match[2]!) as Json
    expect(data.type).toBe(match[1])
    expect(data.sequence_number).toBe(n)
    return data
  })
}

const object = (value: unknown): Json => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`not an object: ${JSON.stringify(value)}`)
  return value as Json
}

/**
 * Replays the events as a client must be able to: created and in_progress first, items added at the next
 * output_index, deltas only for open items with their own item_id, parts added before their deltas, every
 * item done before the end, and the final response's output equal to the items as streamed.
 */
const fold = (events: ReadonlyArray<Json>) => {
  expect(events[0]?.type).toBe("response.created")
  expect(events[1]?.type).toBe("response.in_progress")
  const id = object(events[0]?.response).id
  const items: Array<Json> = []
  const open = new Set<number>()
  const texts = new Map<string, string>()
  for (const event of events.slice(2, -1)) {
    const index = event.output_index as number
    if (event.type === "response.output_item.added") {
      expect(index).toBe(items.length)
      items.push(object(event.item))
      open.add(index)
      continue
    }
    expect(open.has(index)).toBe(true)
    const item = items[index]!
    if (event.type !== "response.output_item.done") expect(event.item_id).toBe(item.id)
    const key = `${index}/${String(event.content_index)}`
    switch (event.type) {
      case "response.content_part.added":
        expect(texts.has(key)).toBe(false)
        texts.set(key, "")
        break
      case "response.output_text.delta":
      case "response.reasoning_text.delta":
      case "response.refusal.delta":
        expect(texts.has(key)).toBe(true)
        texts.set(key, texts.get(key)! + String(event.delta))
        break
      case "response.output_text.done":
      case "response.reasoning_text.done":
        expect(event.text).toBe(texts.get(key))
        break
      case "response.refusal.done":
        expect(event.refusal).toBe(texts.get(key))
        break
      case "response.function_call_arguments.delta":
        texts.set(`${index}`, (texts.get(`${index}`) ?? "") + String(event.delta))
        break
      case "response.function_call_arguments.done":
        expect(event.arguments).toBe(texts.get(`${index}`) ?? "")
        break
      case "response.content_part.done":
        break
      case "response.output_item.done":
        expect(object(event.item).id).toBe(item.id)
        items[index] = object(event.item)
        open.delete(index)
        break
      default:
        throw new Error(`unexpected event ${String(event.type)}`)
    }
  }
  expect(open.size).toBe(0)
  const last = events.at(-1)!
  const response = object(last.response)
  expect(response.id).toBe(id)
  expect(response.output).toEqual(items)
  return { last: String(last.type), response, items }
}

describe("responses.encodeStream", () => {
  test("text: the event sequence of the API", () => {
    const events = parse(encode([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hi" }),
      chunk({ content: " there" }),
      chunk({}, "stop"),
      usage(12, 2)
    ]))
    expect(events.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed"
    ])
    expect(events[0]).toMatchObject({ response: { object: "response", status: "in_progress", model: "my-alias", output: [], created_at: 1741569952 } })
    expect(events[2]).toMatchObject({ output_index: 0, item: { type: "message", status: "in_progress", role: "assistant", content: [] } })
    expect(events[4]).toMatchObject({ output_index: 0, content_index: 0, delta: "Hi", logprobs: [] })
    const { last, response } = fold(events)
    expect(last).toBe("response.completed")
    expect(response).toMatchObject({
      status: "completed",
      output: [{ type: "message", status: "completed", content: [{ type: "output_text", text: "Hi there", annotations: [], logprobs: [] }] }],
      usage: { input_tokens: 12, output_tokens: 2, total_tokens: 14, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } }
    })
  })

  test("reasoning, then text, then two tool calls: four items in order, usage with cache and reasoning tokens", () => {
    const events = parse(encode([
      chunk({ role: "assistant", reasoning_content: "Two cities, " }),
      chunk({ reasoning_content: "two calls." }),
      chunk({ content: "Checking." }),
      chunk(call(0, "", { id: "call_Paris1", name: "get_weather" })),
      chunk(call(0, "{\"city\":")),
      chunk(call(0, "\"Paris\"}")),
      chunk(call(1, "{\"city\":\"Tokyo\"}", { id: "call_Tokyo2", name: "get_weather" })),
      chunk({}, "tool_calls"),
      usage(1200, 80, 1024, 40)
    ], "gpt-5"))
    const { last, response, items } = fold(events)
    expect(last).toBe("response.completed")
    expect(items).toMatchObject([
      { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "Two cities, two calls." }] },
      { type: "message", content: [{ type: "output_text", text: "Checking." }] },
      { type: "function_call", call_id: "call_Paris1", name: "get_weather", arguments: "{\"city\":\"Paris\"}", status: "completed" },
      { type: "function_call", call_id: "call_Tokyo2", name: "get_weather", arguments: "{\"city\":\"Tokyo\"}", status: "completed" }
    ])
    expect(response.usage).toEqual({
      input_tokens: 1200,
      input_tokens_details: { cached_tokens: 1024, cache_write_tokens: 0 },
      output_tokens: 80,
      output_tokens_details: { reasoning_tokens: 40 },
      total_tokens: 1280
    })
    const added = events.filter((e) => e.type === "response.output_item.added").map((e) => object(e.item))
    expect(added[2]).toMatchObject({ type: "function_call", call_id: "call_Paris1", name: "get_weather", arguments: "", status: "in_progress" })
    // The reasoning item is done before the message starts, the message before the first call.
    const order = events.map((e) => `${String(e.type)}@${String(e.output_index)}`)
    expect(order.indexOf("response.output_item.done@0")).toBeLessThan(order.indexOf("response.output_item.added@1"))
    expect(order.indexOf("response.output_item.done@1")).toBeLessThan(order.indexOf("response.output_item.added@2"))
  })

  test("interleaved fragments of two tool calls: both items stay open and each gets its own deltas", () => {
    const events = parse(encode([
      chunk(call(0, "", { id: "call_A", name: "read" })),
      chunk(call(1, "", { id: "call_B", name: "read" })),
      chunk(call(0, "{\"path\":")),
      chunk(call(1, "{\"path\":")),
      chunk(call(1, "\"b.ts\"}")),
      chunk(call(0, "\"a.ts\"}")),
      chunk({}, "tool_calls")
    ]))
    const deltas = events
      .filter((e) => e.type === "response.function_call_arguments.delta")
      .map((e) => [e.output_index, e.delta])
    expect(deltas).toEqual([[0, "{\"path\":"], [1, "{\"path\":"], [1, "\"b.ts\"}"], [0, "\"a.ts\"}"]])
    const { items } = fold(events)
    expect(items).toMatchObject([
      { call_id: "call_A", arguments: "{\"path\":\"a.ts\"}" },
      { call_id: "call_B", arguments: "{\"path\":\"b.ts\"}" }
    ])
  })

  test("a refusal streams as a refusal part of the message", () => {
    const { items } = fold(parse(encode([chunk({ refusal: "I can't " }), chunk({ refusal: "help." }), chunk({}, "stop")])))
    expect(items).toMatchObject([{ type: "message", content: [{ type: "refusal", refusal: "I can't help." }] }])
  })

  test("finish reason length ends with response.incomplete and incomplete items", () => {
    const events = parse(encode([chunk({ content: "Once upon a" }), chunk({}, "length"), usage(5, 3)]))
    const { last, response } = fold(events)
    expect(last).toBe("response.incomplete")
    expect(response).toMatchObject({
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
      output: [{ status: "incomplete", content: [{ text: "Once upon a" }] }]
    })
  })

  test("end without any chunk still announces the response and completes it", () => {
    const events = parse(responses.encodeStream("m", false).end())
    expect(events.map((e) => e.type)).toEqual(["response.created", "response.in_progress", "response.completed"])
    expect(object(events[2]!.response).output).toEqual([])
  })

  test("fail: an error event, then response.failed with the partial output", () => {
    const encoder = responses.encodeStream("m", false)
    const sse = encoder.push(chunk({ content: "Partial" })) + encoder.fail("Upstream stream error: overloaded", "upstream_unavailable")
    const events = parse(sse)
    expect(events.slice(-2)).toMatchObject([
      { type: "error", code: "upstream_unavailable", message: "Upstream stream error: overloaded", param: null },
      {
        type: "response.failed",
        response: {
          status: "failed",
          error: { code: "upstream_unavailable", message: "Upstream stream error: overloaded" },
          output: [{ type: "message", status: "in_progress", content: [{ type: "output_text", text: "Partial" }] }]
        }
      }
    ])
  })

  test("every item id is unique and the response id is stable", () => {
    const events = parse(encode([chunk({ reasoning_content: "r" }), chunk({ content: "t" }), chunk(call(0, "{}", { id: "c", name: "f" })), chunk({}, "tool_calls")]))
    const ids = events.filter((e) => e.type === "response.output_item.added").map((e) => object(e.item).id)
    expect(new Set(ids).size).toBe(3)
    expect(new Set(events.flatMap((e) => e.response === undefined ? [] : [object(e.response).id])).size).toBe(1)
  })
})
