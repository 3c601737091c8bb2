import { describe, expect, test } from "bun:test"
import { Result } from "effect"
import type { ChatRequest } from "../../src/domain/Chat.ts"
import { chatToAnthropic } from "../../src/providers/anthropic/chatToAnthropic.ts"
import type { JsonObject } from "../../src/providers/Provider.ts"

const hello = [{ role: "user", content: "hi" }]

/** Requests are written as plain objects: clients send JSON the OpenAI types do not vouch for. */
const request = (fields: object): ChatRequest => ({ model: "claude-sonnet-4-5", messages: hello, ...fields }) as ChatRequest

const ok = (fields: object): JsonObject => {
  const translated = chatToAnthropic(request(fields))
  if (Result.isFailure(translated)) throw new Error(`refused ${translated.failure.param}: ${translated.failure.message}`)
  return translated.success
}

const refused = (fields: object): string => {
  const translated = chatToAnthropic(request(fields))
  if (Result.isSuccess(translated)) throw new Error(`accepted: ${JSON.stringify(translated.success)}`)
  return translated.failure.param
}

const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }

describe("chatToAnthropic: top-level fields", () => {
  test("a bare request: model, default max_tokens, the message as a text block", () => {
    expect(ok({})).toEqual({ model: "claude-sonnet-4-5", max_tokens: 4096, messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] })
  })

  test("max_completion_tokens wins over max_tokens", () => {
    expect(ok({ max_tokens: 100 }).max_tokens).toBe(100)
    expect(ok({ max_tokens: 100, max_completion_tokens: 200 }).max_tokens).toBe(200)
    expect(refused({ max_completion_tokens: "200" })).toBe("max_completion_tokens")
  })

  test("stop as a string or an array becomes stop_sequences", () => {
    expect(ok({ stop: "END" }).stop_sequences).toEqual(["END"])
    expect(ok({ stop: ["a", "b"] }).stop_sequences).toEqual(["a", "b"])
    expect("stop_sequences" in ok({ stop: null })).toBe(false)
  })

  test("temperature up to 1 and top_p pass; a temperature above 1 is refused", () => {
    expect(ok({ temperature: 1, top_p: 0.9 })).toMatchObject({ temperature: 1, top_p: 0.9 })
    expect(refused({ temperature: 1.2 })).toBe("temperature")
  })

  test("user (or safety_identifier) becomes metadata.user_id; stream is kept", () => {
    expect(ok({ user: "u-1", stream: true })).toMatchObject({ metadata: { user_id: "u-1" }, stream: true })
    expect(ok({ safety_identifier: "s-1" }).metadata).toEqual({ user_id: "s-1" })
  })

  test("reasoning efforts become thinking budgets, max_tokens raised above the budget when needed", () => {
    expect(ok({ reasoning_effort: "low" })).toMatchObject({ max_tokens: 4096, thinking: { type: "enabled", budget_tokens: 1024 } })
    expect(ok({ reasoning_effort: "medium" })).toMatchObject({ max_tokens: 8192, thinking: { budget_tokens: 4096 } })
    expect(ok({ reasoning_effort: "high", max_tokens: 32000 })).toMatchObject({ max_tokens: 32000, thinking: { budget_tokens: 16384 } })
    expect(ok({ reasoning_effort: "high", max_tokens: 1000 })).toMatchObject({ max_tokens: 17384, thinking: { budget_tokens: 16384 } })
    expect("thinking" in ok({ reasoning_effort: "none" })).toBe(false)
    expect(refused({ reasoning_effort: "max" })).toBe("reasoning_effort")
  })

  test("fields without effect on the output are ignored", () => {
    const body = ok({ store: true, metadata: { tag: "x" }, stream_options: { include_usage: true }, service_tier: "auto", prompt_cache_key: "k" })
    expect(Object.keys(body).sort()).toEqual(["max_tokens", "messages", "model"])
  })

  test("fields Anthropic cannot honour are refused by name", () => {
    const cases: Array<[string, unknown]> = [
      ["n", 2],
      ["logprobs", true],
      ["top_logprobs", 3],
      ["response_format", { type: "json_object" }],
      ["response_format", { type: "json_schema", json_schema: { name: "x", schema: {} } }],
      ["audio", { voice: "alloy", format: "wav" }],
      ["modalities", ["text", "audio"]],
      ["logit_bias", { "50256": -100 }],
      ["presence_penalty", 0.5],
      ["frequency_penalty", 0.5],
      ["seed", 42],
      ["prediction", { type: "content", content: "x" }],
      ["web_search_options", {}],
      ["functions", [{ name: "f", parameters: {} }]],
      ["function_call", "auto"],
      ["verbosity", "low"],
      ["top_k", 5]
    ]
    for (const [field, value] of cases) expect(refused({ [field]: value })).toBe(field)
  })

  test("the same fields with values that change nothing are accepted", () => {
    expect(ok({
      n: 1,
      logprobs: false,
      top_logprobs: 0,
      response_format: { type: "text" },
      modalities: ["text"],
      logit_bias: {},
      presence_penalty: 0,
      frequency_penalty: 0,
      seed: null
    })).toEqual(ok({}))
  })
})

describe("chatToAnthropic: messages", () => {
  test("one plain system message is the system string; developer messages join it as blocks", () => {
    expect(ok({ messages: [{ role: "system", content: "Be terse." }, ...hello] }).system).toBe("Be terse.")
    expect(ok({ messages: [{ role: "system", content: [{ type: "text", text: "A" }] }, ...hello] }).system).toBe("A")
    expect(ok({ messages: [{ role: "system", content: "A" }, { role: "developer", content: "B" }, ...hello] }).system)
      .toEqual([{ type: "text", text: "A" }, { type: "text", text: "B" }])
  })

  test("adjacent messages of one role are merged, empty text dropped", () => {
    expect(ok({ messages: [{ role: "user", content: "a" }, { role: "user", content: [{ type: "text", text: "b" }] }, { role: "user", content: "" }] }).messages)
      .toEqual([{ role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }])
  })

  test("images: a data URL becomes a base64 source, an http URL a url source", () => {
    const content = [
      { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
      { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } }
    ]
    expect(ok({ messages: [{ role: "user", content }] }).messages).toEqual([{
      role: "user",
      content: [
        { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" } },
        { type: "image", source: { type: "url", url: "https://example.com/cat.png" } }
      ]
    }])
  })

  test("images Anthropic cannot read are refused naming the URL", () => {
    for (const url of ["data:image/bmp;base64,Qk0=", "data:image/png,rawbytes", "ftp://example.com/a.png"]) {
      expect(refused({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }] })).toBe("messages[0].content[0].image_url.url")
    }
  })

  test("an inline PDF file becomes a document; other files are refused", () => {
    const pdf = { type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0x" } }
    expect(ok({ messages: [{ role: "user", content: [pdf] }] }).messages).toEqual([{
      role: "user",
      content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0x" } }]
    }])
    expect(refused({ messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-1" } }] }] })).toBe("messages[0].content[0].file")
  })

  test("other part types are refused naming the part", () => {
    const audio = { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }
    expect(refused({ messages: [{ role: "user", content: [{ type: "text", text: "x" }, audio] }] })).toBe("messages[0].content[1].type")
    expect(refused({ messages: [{ role: "system", content: [audio] }, ...hello] })).toBe("messages[0].content[0].type")
  })

  test("assistant tool calls become tool_use blocks after the text; empty arguments are {}", () => {
    const messages = [
      ...hello,
      {
        role: "assistant",
        content: "",
        tool_calls: [
          { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } },
          { id: "toolu_2", type: "function", function: { name: "now", arguments: "" } }
        ]
      }
    ]
    expect(ok({ messages }).messages).toEqual([
      { role: "user", content: [{ type: "text", text: "hi" }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "now", input: {} }
        ]
      }
    ])
  })

  test("tool call arguments that are not a JSON object are refused naming them", () => {
    for (const args of ["[1]", "not json", "3"]) {
      const messages = [...hello, { role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: args } }] }]
      expect(refused({ messages })).toBe("messages[1].tool_calls[0].function.arguments")
    }
  })

  test("consecutive tool messages make one user turn of tool results, followed by the user's text", () => {
    const messages = [
      ...hello,
      { role: "assistant", content: null, tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "{}" } }, { id: "b", type: "function", function: { name: "f", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "a", content: "one" },
      { role: "tool", tool_call_id: "b", content: [{ type: "text", text: "two" }] },
      { role: "user", content: "thanks" }
    ]
    expect(ok({ messages }).messages).toEqual([
      { role: "user", content: [{ type: "text", text: "hi" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "a", name: "f", input: {} }, { type: "tool_use", id: "b", name: "f", input: {} }] },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "a", content: "one" },
          { type: "tool_result", tool_use_id: "b", content: [{ type: "text", text: "two" }] },
          { type: "text", text: "thanks" }
        ]
      }
    ])
  })

  test("an empty tool result has no content", () => {
    const messages = [
      ...hello,
      { role: "assistant", content: null, tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "a", content: "" }
    ]
    expect(ok({ messages }).messages).toContainEqual({ role: "user", content: [{ type: "tool_result", tool_use_id: "a" }] })
  })

  test("thinking blocks go first in the assistant turn", () => {
    const messages = [
      ...hello,
      {
        role: "assistant",
        content: "Let me look.",
        reasoning_content: "ignored without a signature",
        thinking_blocks: [{ type: "thinking", thinking: "hmm", signature: "sig" }, { type: "redacted_thinking", data: "enc" }],
        tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{}" } }]
      }
    ]
    expect(ok({ messages }).messages).toEqual([
      { role: "user", content: [{ type: "text", text: "hi" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "hmm", signature: "sig" },
          { type: "redacted_thinking", data: "enc" },
          { type: "text", text: "Let me look." },
          { type: "tool_use", id: "t", name: "f", input: {} }
        ]
      }
    ])
    expect(refused({ messages: [...hello, { role: "assistant", content: "x", thinking_blocks: [{ type: "thinking", thinking: "no signature" }] }] }))
      .toBe("messages[1].thinking_blocks[0]")
  })

  test("an assistant refusal is replayed as its text", () => {
    expect(ok({ messages: [...hello, { role: "assistant", content: [{ type: "refusal", refusal: "I can't." }] }] }).messages)
      .toContainEqual({ role: "assistant", content: [{ type: "text", text: "I can't." }] })
  })

  test("what Anthropic messages cannot carry is refused by path", () => {
    expect(refused({ messages: [{ role: "user", content: "hi", name: "alice" }] })).toBe("messages[0].name")
    expect(refused({ messages: [...hello, { role: "function", name: "", content: "x" }] })).toBe("messages[1].role")
    expect(refused({ messages: [...hello, { role: "assistant", content: null, audio: { id: "a" } }] })).toBe("messages[1].audio")
    expect(refused({ messages: [...hello, { role: "assistant", content: null, function_call: { name: "f", arguments: "{}" } }] }))
      .toBe("messages[1].function_call")
    expect(refused({ messages: [...hello, { role: "assistant", tool_calls: [{ id: "c", type: "custom", custom: { name: "g", input: "x" } }] }] }))
      .toBe("messages[1].tool_calls[0].type")
    expect(refused({ messages: [...hello, { role: "tool", content: "x" }] })).toBe("messages[1].tool_call_id")
  })
})

describe("chatToAnthropic: tools", () => {
  test("function tools become name, description, input_schema (an empty schema when none)", () => {
    const tools = [
      { type: "function", function: { name: "get_weather", description: "Weather", parameters: weather.function.parameters, strict: true } },
      { type: "function", function: { name: "now" } }
    ]
    expect(ok({ tools }).tools).toEqual([
      { name: "get_weather", description: "Weather", input_schema: weather.function.parameters, strict: true },
      { name: "now", input_schema: { type: "object", properties: {} } }
    ])
  })

  test("tool_choice maps to auto, none, any and a named tool", () => {
    expect(ok({ tools: [weather], tool_choice: "auto" }).tool_choice).toEqual({ type: "auto" })
    expect(ok({ tools: [weather], tool_choice: "none" }).tool_choice).toEqual({ type: "none" })
    expect(ok({ tools: [weather], tool_choice: "required" }).tool_choice).toEqual({ type: "any" })
    expect(ok({ tools: [weather], tool_choice: { type: "function", function: { name: "get_weather" } } }).tool_choice)
      .toEqual({ type: "tool", name: "get_weather" })
    expect("tool_choice" in ok({ tools: [weather] })).toBe(false)
  })

  test("parallel_tool_calls: false disables parallel tool use", () => {
    expect(ok({ tools: [weather], parallel_tool_calls: false }).tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true })
    expect(ok({ tools: [weather], tool_choice: "required", parallel_tool_calls: false }).tool_choice)
      .toEqual({ type: "any", disable_parallel_tool_use: true })
    expect(ok({ tools: [weather], tool_choice: "none", parallel_tool_calls: false }).tool_choice).toEqual({ type: "none" })
    expect("tool_choice" in ok({ tools: [weather], parallel_tool_calls: true })).toBe(false)
  })

  test("without tools there is no tool_choice", () => {
    expect(ok({ tool_choice: "none" })).toEqual(ok({}))
    expect(ok({ tools: [], tool_choice: "auto" })).toEqual(ok({}))
  })

  test("custom tools and allowed-tools choices are refused", () => {
    expect(refused({ tools: [{ type: "custom", custom: { name: "g" } }] })).toBe("tools[0].type")
    expect(refused({ tools: [weather], tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [] } } })).toBe("tool_choice")
  })
})
