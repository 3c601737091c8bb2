import { describe, expect, test } from "bun:test"
import { Result } from "effect"
import type { ChatRequest, Unsupported } from "../../src/domain/Chat.ts"
import type { JsonObject } from "../../src/providers/Provider.ts"
import { messages } from "../../src/surfaces/messages.ts"

const ok = (body: JsonObject): ChatRequest => {
  const result = messages.toChat(body)
  if (Result.isFailure(result)) throw new Error(`refused: ${JSON.stringify(result.failure)}`)
  return result.success
}

const refused = (body: JsonObject): Unsupported => {
  const result = messages.toChat(body)
  if (Result.isSuccess(result)) throw new Error(`accepted: ${JSON.stringify(result.success)}`)
  return result.failure
}

const base = { model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content: "Hi" }] }

const schema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  properties: { command: { type: "string" }, timeout: { type: "number" } },
  required: ["command"],
  additionalProperties: false
}

describe("messages.toChat: a Claude Code-style request", () => {
  const body = {
    model: "claude-sonnet-4-5-20250929",
    max_tokens: 32000,
    temperature: 1,
    stream: true,
    metadata: { user_id: "user_abc123_account__session_0f6c" },
    system: [
      { type: "text", text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: "ephemeral" } },
      { type: "text", text: "You are an interactive CLI tool.", cache_control: { type: "ephemeral" } }
    ],
    tools: [
      { name: "Bash", description: "Executes a bash command", input_schema: schema },
      { name: "Read", description: "Reads a file", input_schema: { type: "object", properties: { file_path: { type: "string" } } }, cache_control: { type: "ephemeral" } }
    ],
    thinking: { type: "enabled", budget_tokens: 31999 },
    messages: [
      { role: "user", content: [{ type: "text", text: "<system-reminder>ctx</system-reminder>" }, { type: "text", text: "list files" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "I should run ls.", signature: "EqQBCkYIARgCIkD" },
          { type: "text", text: "Listing." },
          { type: "tool_use", id: "toolu_01A", name: "Bash", input: { command: "ls -la" } },
          { type: "tool_use", id: "toolu_01B", name: "Read", input: { file_path: "/tmp/a.txt" } }
        ]
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_01A", content: "a.txt\nb.txt" },
          { type: "tool_result", tool_use_id: "toolu_01B", content: [{ type: "text", text: "hello" }], is_error: false },
          { type: "text", text: "now summarise", cache_control: { type: "ephemeral" } }
        ]
      }
    ]
  }

  test("maps every part and puts tool results right after the tool calls", () => {
    expect(ok(body) as unknown).toEqual({
      model: "claude-sonnet-4-5-20250929",
      max_tokens: 32000,
      temperature: 1,
      stream: true,
      user: "user_abc123_account__session_0f6c",
      reasoning_effort: "high",
      messages: [
        { role: "system", content: "You are Claude Code, Anthropic's official CLI for Claude.\n\nYou are an interactive CLI tool." },
        { role: "user", content: [{ type: "text", text: "<system-reminder>ctx</system-reminder>" }, { type: "text", text: "list files" }] },
        {
          role: "assistant",
          content: "Listing.",
          reasoning_content: "I should run ls.",
          thinking_blocks: [{ type: "thinking", thinking: "I should run ls.", signature: "EqQBCkYIARgCIkD" }],
          tool_calls: [
            { id: "toolu_01A", type: "function", function: { name: "Bash", arguments: "{\"command\":\"ls -la\"}" } },
            { id: "toolu_01B", type: "function", function: { name: "Read", arguments: "{\"file_path\":\"/tmp/a.txt\"}" } }
          ]
        },
        { role: "tool", tool_call_id: "toolu_01A", content: "a.txt\nb.txt" },
        { role: "tool", tool_call_id: "toolu_01B", content: "hello" },
        { role: "user", content: "now summarise" }
      ],
      tools: [
        { type: "function", function: { name: "Bash", description: "Executes a bash command", parameters: schema } },
        { type: "function", function: { name: "Read", description: "Reads a file", parameters: { type: "object", properties: { file_path: { type: "string" } } } } }
      ]
    })
  })

  test("a non-streaming request carries no stream flag", () => {
    expect("stream" in ok({ ...base, stream: false })).toBe(false)
  })
})

describe("messages.toChat: content", () => {
  test("a system string becomes one system message; an empty one none", () => {
    expect(ok({ ...base, system: "Be brief." }).messages[0]).toEqual({ role: "system", content: "Be brief." })
    expect(ok({ ...base, system: "" }).messages).toEqual([{ role: "user", content: "Hi" }])
  })

  test("a system turn inside messages stays in place", () => {
    const request = ok({ ...base, messages: [{ role: "user", content: "a" }, { role: "system", content: [{ type: "text", text: "s" }] }, { role: "user", content: "b" }] })
    expect(request.messages).toEqual([{ role: "user", content: "a" }, { role: "system", content: "s" }, { role: "user", content: "b" }])
  })

  test("images: base64 as a data: URL, url as is", () => {
    const request = ok({
      ...base,
      messages: [{
        role: "user",
        content: [
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          { type: "text", text: "What are these?" }
        ]
      }]
    })
    expect(request.messages).toEqual([{
      role: "user",
      content: [
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
        { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
        { type: "text", text: "What are these?" }
      ]
    }])
  })

  test("a failed tool result keeps its text as it is; an omitted content is empty", () => {
    const request = ok({
      ...base,
      messages: [
        { role: "user", content: "run it" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Bash", input: {} }, { type: "tool_use", id: "t2", name: "Bash", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", is_error: true, content: "command not found" }, { type: "tool_result", tool_use_id: "t2" }] }
      ]
    })
    expect(request.messages.slice(1)).toEqual([
      { role: "assistant", content: null, tool_calls: [
        { id: "t1", type: "function", function: { name: "Bash", arguments: "{}" } },
        { id: "t2", type: "function", function: { name: "Bash", arguments: "{}" } }
      ] },
      { role: "tool", tool_call_id: "t1", content: "command not found" },
      { role: "tool", tool_call_id: "t2", content: "" }
    ])
  })

  test("redacted thinking is kept among the thinking blocks", () => {
    const request = ok({
      ...base,
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [{ type: "redacted_thinking", data: "ENCRYPTED" }, { type: "thinking", thinking: "t", signature: "s" }, { type: "text", text: "a" }] },
        { role: "user", content: "more" }
      ]
    })
    expect(request.messages[1] as unknown).toEqual({
      role: "assistant",
      content: "a",
      reasoning_content: "t",
      thinking_blocks: [{ type: "redacted_thinking", data: "ENCRYPTED" }, { type: "thinking", thinking: "t", signature: "s" }]
    })
  })
})

describe("messages.toChat: parameters", () => {
  test("stop_sequences, top_p, metadata and output_config", () => {
    const request = ok({
      ...base,
      stop_sequences: ["\n\nHuman:", "END"],
      top_p: 0.9,
      output_config: { effort: "medium", format: { type: "json_schema", schema: { type: "object" } } }
    })
    expect(request).toMatchObject({
      stop: ["\n\nHuman:", "END"],
      top_p: 0.9,
      reasoning_effort: "medium",
      response_format: { type: "json_schema", json_schema: { name: "output", schema: { type: "object" }, strict: true } }
    })
  })

  test("output_config.effort wins over a thinking budget", () => {
    expect(ok({ ...base, thinking: { type: "enabled", budget_tokens: 1024 }, output_config: { effort: "max" } }).reasoning_effort).toBe("max")
  })

  test.each([
    [1024, "low"], [2048, "low"], [2049, "medium"], [8192, "medium"], [8193, "high"], [60000, "high"]
  ])("a thinking budget of %d is %s effort", (budget, effort) => {
    expect(ok({ ...base, thinking: { type: "enabled", budget_tokens: budget } }).reasoning_effort as string).toBe(effort)
  })

  test("disabled and adaptive thinking leave the effort to the upstream", () => {
    expect("reasoning_effort" in ok({ ...base, thinking: { type: "disabled" } })).toBe(false)
    expect("reasoning_effort" in ok({ ...base, thinking: { type: "adaptive" } })).toBe(false)
  })

  const tools = [{ name: "get_weather", input_schema: { type: "object" } }]
  test.each([
    [{ type: "auto" }, "auto"],
    [{ type: "any" }, "required"],
    [{ type: "none" }, "none"],
    [{ type: "tool", name: "get_weather" }, { type: "function", function: { name: "get_weather" } }]
  ])("tool_choice %j", (choice, expected) => {
    const request = ok({ ...base, tools, tool_choice: choice })
    expect(request.tool_choice).toEqual(expected as never)
    expect("parallel_tool_calls" in request).toBe(false)
  })

  test("disable_parallel_tool_use turns parallel tool calls off", () => {
    expect(ok({ ...base, tools, tool_choice: { type: "any", disable_parallel_tool_use: true } })).toMatchObject({
      tool_choice: "required",
      parallel_tool_calls: false
    })
  })

  test("strict custom tools stay strict; type custom is a custom tool", () => {
    const request = ok({ ...base, tools: [{ type: "custom", name: "f", input_schema: { type: "object" }, strict: true, eager_input_streaming: true }] })
    expect(request.tools).toEqual([{ type: "function", function: { name: "f", parameters: { type: "object" }, strict: true } }])
  })

  test("without tools, auto and none are no-ops", () => {
    const request = ok({ ...base, tool_choice: { type: "auto", disable_parallel_tool_use: true } })
    expect("tool_choice" in request || "parallel_tool_calls" in request).toBe(false)
  })

  test("fields with no effect on the output are ignored", () => {
    const request = ok({
      ...base,
      cache_control: { type: "ephemeral" },
      service_tier: "auto",
      diagnostics: { previous_message_id: "msg_1" },
      speed: "standard",
      container: null,
      mcp_servers: [],
      inference_geo: null
    })
    expect(request as unknown).toEqual({ model: base.model, max_tokens: 1024, messages: [{ role: "user", content: "Hi" }] })
  })
})

describe("messages.toChat: refusals name the field", () => {
  const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "AA==" } }
  test.each([
    ["missing max_tokens", { model: "m", messages: base.messages }, "max_tokens"],
    ["non-integer max_tokens", { ...base, max_tokens: 10.5 }, "max_tokens"],
    ["string max_tokens", { ...base, max_tokens: "100" }, "max_tokens"],
    ["zero max_tokens (cache pre-warming)", { ...base, max_tokens: 0 }, "max_tokens"],
    ["missing messages", { model: "m", max_tokens: 10 }, "messages"],
    ["empty messages", { ...base, messages: [] }, "messages"],
    ["messages not an array", { ...base, messages: { role: "user" } }, "messages"],
    ["a bad role", { ...base, messages: [{ role: "tool", content: "x" }] }, "messages[0].role"],
    ["empty content", { ...base, messages: [{ role: "user", content: [] }] }, "messages[0].content"],
    ["a document block", { ...base, messages: [{ role: "user", content: [{ type: "text", text: "read" }, { type: "document", source: { type: "text", media_type: "text/plain", data: "x" } }] }] }, "messages[0].content[1].type"],
    ["a search_result block", { ...base, messages: [{ role: "user", content: [{ type: "search_result", source: "s", title: "t", content: [] }] }] }, "messages[0].content[0].type"],
    ["an image in a tool result", {
      ...base,
      messages: [
        { role: "user", content: "shot" },
        { role: "assistant", content: [{ type: "tool_use", id: "t", name: "screenshot", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text", text: "here" }, image] }] }
      ]
    }, "messages[2].content[0].content[1].type"],
    ["a file image source", { ...base, messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "file_1" } }] }] }, "messages[0].content[0].source.type"],
    ["a server tool use in history", { ...base, messages: [{ role: "user", content: "q" }, { role: "assistant", content: [{ type: "server_tool_use", id: "s", name: "web_search", input: {} }] }, { role: "user", content: "go on" }] }, "messages[1].content[0].type"],
    ["an assistant prefill", { ...base, messages: [{ role: "user", content: "q" }, { role: "assistant", content: "{" }] }, "messages[1].role"],
    ["a server tool", { ...base, tools: [{ name: "f", input_schema: { type: "object" } }, { type: "web_search_20250305", name: "web_search", max_uses: 5 }] }, "tools[1].type"],
    ["the bash tool", { ...base, tools: [{ type: "bash_20250124", name: "bash" }] }, "tools[0].type"],
    ["a tool without input_schema", { ...base, tools: [{ name: "f" }] }, "tools[0].input_schema"],
    ["deferred tool loading", { ...base, tools: [{ name: "f", input_schema: { type: "object" }, defer_loading: true }] }, "tools[0].defer_loading"],
    ["top_k", { ...base, top_k: 40 }, "top_k"],
    ["a string temperature", { ...base, temperature: "hot" }, "temperature"],
    ["tool_choice any without tools", { ...base, tool_choice: { type: "any" } }, "tool_choice"],
    ["a tool choice without a name", { ...base, tools: [{ name: "f", input_schema: {} }], tool_choice: { type: "tool" } }, "tool_choice.name"],
    ["a small thinking budget", { ...base, thinking: { type: "enabled", budget_tokens: 500 } }, "thinking.budget_tokens"],
    ["omitted thinking display", { ...base, thinking: { type: "enabled", budget_tokens: 2000, display: "omitted" } }, "thinking.display"],
    ["a container", { ...base, container: "container_1" }, "container"],
    ["MCP servers", { ...base, mcp_servers: [{ type: "url", url: "https://mcp.example", name: "x" }] }, "mcp_servers"],
    ["fast mode", { ...base, speed: "fast" }, "speed"],
    ["a data residency requirement", { ...base, inference_geo: "eu" }, "inference_geo"],
    ["context management", { ...base, context_management: { edits: [] } }, "context_management"],
    ["an unknown field", { ...base, frequency_penalty: 1 }, "frequency_penalty"],
    ["unknown metadata", { ...base, metadata: { user_id: "u", tenant: "t" } }, "metadata.tenant"],
    ["stop_sequences not strings", { ...base, stop_sequences: [1] }, "stop_sequences"]
  ])("%s", (_name, body, param) => {
    const failure = refused(body as JsonObject)
    expect(failure.param).toBe(param)
    expect(failure.message).toBeString()
  })
})
