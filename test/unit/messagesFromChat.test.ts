import { describe, expect, test } from "bun:test"
import type { ChatResponse } from "../../src/domain/Chat.ts"
import { messages } from "../../src/surfaces/messages.ts"

const response = (message: Record<string, unknown>, finish_reason = "stop", usage?: ChatResponse["usage"]): ChatResponse => ({
  id: "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
  object: "chat.completion",
  created: 1741569952,
  model: "gpt-4.1-2025-04-14",
  choices: [{ index: 0, logprobs: null, finish_reason, message: { role: "assistant", content: null, refusal: null, ...message } }],
  ...(usage === undefined ? {} : { usage })
}) as ChatResponse

describe("messages.fromChat", () => {
  test("text with usage and cached tokens", () => {
    const body = messages.fromChat(response({ content: "Hello!" }, "stop", {
      prompt_tokens: 1200, completion_tokens: 15, total_tokens: 1215, prompt_tokens_details: { cached_tokens: 1024 }
    }), "claude-sonnet-4-5")
    expect(body).toEqual({
      id: "msg_B9MBs8CjcvOU2jLn4n570S5qMJKcT",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [{ type: "text", text: "Hello!" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 176, output_tokens: 15, cache_read_input_tokens: 1024, cache_creation_input_tokens: 0 }
    })
  })

  test("thinking, text and parallel tool calls, in that order", () => {
    const body = messages.fromChat(response({
      content: "Checking both.",
      reasoning_content: "Two cities.",
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } },
        { id: "call_2", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Tokyo\"}" } }
      ]
    }, "tool_calls"), "claude-opus-4-1")
    expect(body.content).toEqual([
      { type: "thinking", thinking: "Two cities.", signature: "" },
      { type: "text", text: "Checking both." },
      { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
      { type: "tool_use", id: "call_2", name: "get_weather", input: { city: "Tokyo" } }
    ])
    expect(body.stop_reason).toBe("tool_use")
  })

  test("thinking blocks with signatures are given back as they are", () => {
    const blocks = [{ type: "redacted_thinking", data: "ENC" }, { type: "thinking", thinking: "Hmm.", signature: "sig==" }]
    const body = messages.fromChat(response({ content: "Done.", reasoning_content: "Hmm.", thinking_blocks: blocks }), "m")
    expect(body.content).toEqual([...blocks, { type: "text", text: "Done." }])
  })

  test("arguments that are not a JSON object are kept under `arguments`; empty ones are {}", () => {
    const body = messages.fromChat(response({
      tool_calls: [
        { id: "a", type: "function", function: { name: "f", arguments: "{\"x\": 1" } },
        { id: "b", type: "function", function: { name: "f", arguments: "[1,2]" } },
        { id: "c", type: "function", function: { name: "f", arguments: "" } }
      ]
    }, "tool_calls"), "m")
    expect(body.content).toEqual([
      { type: "tool_use", id: "a", name: "f", input: { arguments: "{\"x\": 1" } },
      { type: "tool_use", id: "b", name: "f", input: { arguments: "[1,2]" } },
      { type: "tool_use", id: "c", name: "f", input: {} }
    ])
  })

  test.each([["stop", "end_turn"], ["length", "max_tokens"], ["tool_calls", "tool_use"], ["content_filter", "refusal"]])(
    "finish reason %s is stop reason %s",
    (finish, stop) => expect(messages.fromChat(response({ content: "x" }, finish), "m").stop_reason).toBe(stop)
  )

  test("a refusal keeps its text; empty text adds no block; no usage counts zero", () => {
    const refusal = messages.fromChat(response({ refusal: "I can't help with that." }, "content_filter"), "m")
    expect(refusal.content).toEqual([{ type: "text", text: "I can't help with that." }])
    const empty = messages.fromChat(response({ content: "" }, "length"), "m")
    expect(empty.content).toEqual([])
    expect(empty.usage).toEqual({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 })
  })
})
