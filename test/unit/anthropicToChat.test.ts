import { describe, expect, test } from "bun:test"
import { Result } from "effect"
import type { ChatRequest, ReasoningFields } from "../../src/domain/Chat.ts"
import { anthropicToChat } from "../../src/providers/anthropic/anthropicToChat.ts"
import { chatToAnthropic } from "../../src/providers/anthropic/chatToAnthropic.ts"

const message = (fields: object) => ({
  id: "msg_01AbC",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5-20250929",
  content: [{ type: "text", text: "Hi" }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5 },
  ...fields
})

const convert = (fields: object = {}) => {
  const chat = anthropicToChat(message(fields))
  if (chat === undefined) throw new Error("not recognised")
  return chat
}

describe("anthropicToChat", () => {
  test("a text message becomes one assistant choice", () => {
    const chat = convert()
    expect(chat).toMatchObject({
      id: "msg_01AbC",
      object: "chat.completion",
      model: "claude-sonnet-4-5-20250929",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi", refusal: null }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 0 } }
    })
    expect(Math.abs(chat.created - Date.now() / 1000)).toBeLessThan(5)
    expect("tool_calls" in chat.choices[0]!.message).toBe(false)
    expect("reasoning_content" in chat.choices[0]!.message).toBe(false)
    expect("thinking_blocks" in chat.choices[0]!.message).toBe(false)
  })

  test("text blocks are joined; no text is null content", () => {
    expect(convert({ content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }).choices[0]!.message.content).toBe("ab")
    expect(convert({ content: [] }).choices[0]!.message.content).toBeNull()
  })

  test("tool_use blocks become tool calls with their ids and stringified input", () => {
    const chat = convert({
      content: [
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Tokyo" } }
      ],
      stop_reason: "tool_use"
    })
    expect(chat.choices[0]!.message.content).toBeNull()
    expect(chat.choices[0]!.message.tool_calls).toEqual([
      { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } },
      { id: "toolu_2", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Tokyo\"}" } }
    ])
    expect(chat.choices[0]!.finish_reason).toBe("tool_calls")
  })

  test("stop reasons map to finish reasons", () => {
    const cases: Array<[string | null, string]> = [
      ["end_turn", "stop"],
      ["stop_sequence", "stop"],
      ["pause_turn", "stop"],
      ["max_tokens", "length"],
      ["model_context_window_exceeded", "length"],
      ["tool_use", "tool_calls"],
      ["refusal", "content_filter"]
    ]
    for (const [stop, finish] of cases) expect(convert({ stop_reason: stop }).choices[0]!.finish_reason).toBe(finish as "stop")
  })

  test("usage counts cache reads and writes in the prompt, cache reads as cached tokens", () => {
    const usage = convert({
      usage: { input_tokens: 21, cache_creation_input_tokens: 188, cache_read_input_tokens: 1800, output_tokens: 393, output_tokens_details: { thinking_tokens: 300 } }
    }).usage
    expect(usage).toEqual({
      prompt_tokens: 2009,
      completion_tokens: 393,
      total_tokens: 2402,
      prompt_tokens_details: { cached_tokens: 1800 },
      completion_tokens_details: { reasoning_tokens: 300 }
    })
    expect(convert({ usage: { input_tokens: 3, cache_creation_input_tokens: null, cache_read_input_tokens: null, output_tokens: 1 } }).usage)
      .toMatchObject({ prompt_tokens: 3, total_tokens: 4, prompt_tokens_details: { cached_tokens: 0 } })
  })

  test("thinking becomes reasoning_content and thinking_blocks, redacted thinking a block only", () => {
    const reply = convert({
      content: [
        { type: "thinking", thinking: "Step one. ", signature: "sig-1" },
        { type: "redacted_thinking", data: "EmwKAhgBEgy3" },
        { type: "thinking", thinking: "Step two.", signature: "sig-2" },
        { type: "text", text: "Answer" }
      ]
    }).choices[0]!.message as ReasoningFields
    expect(reply.reasoning_content).toBe("Step one. Step two.")
    expect(reply.thinking_blocks).toEqual([
      { type: "thinking", thinking: "Step one. ", signature: "sig-1" },
      { type: "redacted_thinking", data: "EmwKAhgBEgy3" },
      { type: "thinking", thinking: "Step two.", signature: "sig-2" }
    ])
  })

  test("a thinking + tool reply fed back through chatToAnthropic gives back the same blocks", () => {
    const content = [
      { type: "thinking", thinking: "The user wants the weather; call the tool.", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3h" },
      { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix/LafPsn4a" },
      { type: "text", text: "Checking." },
      { type: "tool_use", id: "toolu_01A", name: "get_weather", input: { city: "Paris" } }
    ]
    const reply = convert({ content, stop_reason: "tool_use" }).choices[0]!.message
    const next = chatToAnthropic({
      model: "claude-sonnet-4-5",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        reply,
        { role: "tool", tool_call_id: "toolu_01A", content: "18°C" }
      ]
    } as ChatRequest)
    if (Result.isFailure(next)) throw new Error(next.failure.param)
    expect(next.success.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
      { role: "assistant", content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01A", content: "18°C" }] }
    ])
  })

  test("bodies that are not an Anthropic message give undefined", () => {
    for (const body of [null, "text", [], { type: "error", error: {} }, { object: "chat.completion", choices: [] }, { type: "message" }]) {
      expect(anthropicToChat(body)).toBeUndefined()
    }
  })
})
