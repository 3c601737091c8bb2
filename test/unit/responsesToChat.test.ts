import { describe, expect, test } from "bun:test"
import { Result } from "effect"
import type { ChatRequest, Unsupported } from "../../src/domain/Chat.ts"
import type { JsonObject } from "../../src/providers/Provider.ts"
import { responses } from "../../src/surfaces/responses.ts"

const ok = (body: JsonObject): ChatRequest => {
  const result = responses.toChat(body)
  if (Result.isFailure(result)) throw new Error(`refused: ${JSON.stringify(result.failure)}`)
  return result.success
}

const refused = (body: JsonObject): Unsupported => {
  const result = responses.toChat(body)
  if (Result.isSuccess(result)) throw new Error(`accepted: ${JSON.stringify(result.success)}`)
  return result.failure
}

const shell = {
  type: "function",
  name: "shell",
  description: "Runs a shell command and returns its output.",
  strict: false,
  parameters: {
    type: "object",
    properties: { command: { type: "array", items: { type: "string" } }, workdir: { type: "string" } },
    required: ["command"],
    additionalProperties: false
  }
}

/** What Codex sends on its third request of a turn: history with reasoning, calls and their outputs. */
const codex: JsonObject = {
  model: "gpt-5-codex",
  instructions: "You are Codex, based on GPT-5. You are running as a coding agent in the Codex CLI.",
  input: [
    { type: "message", role: "developer", content: [{ type: "input_text", text: "<permissions instructions>sandbox: workspace-write</permissions instructions>" }] },
    { type: "message", role: "user", content: [{ type: "input_text", text: "<environment_context><cwd>/repo</cwd></environment_context>" }] },
    { type: "message", role: "user", content: [{ type: "input_text", text: "Run the tests and fix what fails." }] },
    {
      type: "reasoning",
      id: "rs_0a1",
      summary: [{ type: "summary_text", text: "**Running the tests**" }],
      content: null,
      encrypted_content: "gAAAAABo-opaque"
    },
    { type: "function_call", id: "fc_01", name: "shell", arguments: "{\"command\":[\"bun\",\"test\"]}", call_id: "call_Ab12" },
    { type: "function_call_output", call_id: "call_Ab12", output: "{\"output\":\"1 fail\\n\",\"metadata\":{\"exit_code\":1}}" },
    { type: "reasoning", id: "rs_0a2", summary: [], encrypted_content: "gAAAAABo-opaque-2" },
    { type: "message", role: "assistant", id: "msg_01", content: [{ type: "output_text", text: "One test fails; reading it.", annotations: [] }] },
    { type: "function_call", name: "shell", arguments: "{\"command\":[\"cat\",\"a.test.ts\"]}", call_id: "call_Cd34" },
    { type: "function_call", name: "shell", arguments: "{\"command\":[\"cat\",\"a.ts\"]}", call_id: "call_Ef56" },
    { type: "function_call_output", call_id: "call_Cd34", output: "expect(add(1, 2)).toBe(3)" },
    { type: "function_call_output", call_id: "call_Ef56", output: [{ type: "input_text", text: "export const add = (a, b) => a - b" }] }
  ],
  tools: [shell],
  tool_choice: "auto",
  parallel_tool_calls: true,
  reasoning: { effort: "medium", summary: "auto" },
  store: false,
  stream: true,
  include: ["reasoning.encrypted_content"],
  prompt_cache_key: "0199a-session",
  text: { verbosity: "low" }
}

describe("responses.toChat", () => {
  test("a Codex request: instructions, developer and user messages, reasoning, calls and outputs, tools", () => {
    expect<unknown>(ok(codex)).toEqual({
      model: "gpt-5-codex",
      stream: true,
      messages: [
        { role: "system", content: "You are Codex, based on GPT-5. You are running as a coding agent in the Codex CLI." },
        { role: "system", content: [{ type: "text", text: "<permissions instructions>sandbox: workspace-write</permissions instructions>" }] },
        { role: "user", content: [{ type: "text", text: "<environment_context><cwd>/repo</cwd></environment_context>" }] },
        { role: "user", content: [{ type: "text", text: "Run the tests and fix what fails." }] },
        {
          role: "assistant",
          content: null,
          reasoning_content: "**Running the tests**",
          tool_calls: [{ id: "call_Ab12", type: "function", function: { name: "shell", arguments: "{\"command\":[\"bun\",\"test\"]}" } }]
        },
        { role: "tool", tool_call_id: "call_Ab12", content: "{\"output\":\"1 fail\\n\",\"metadata\":{\"exit_code\":1}}" },
        {
          role: "assistant",
          content: [{ type: "text", text: "One test fails; reading it." }],
          tool_calls: [
            { id: "call_Cd34", type: "function", function: { name: "shell", arguments: "{\"command\":[\"cat\",\"a.test.ts\"]}" } },
            { id: "call_Ef56", type: "function", function: { name: "shell", arguments: "{\"command\":[\"cat\",\"a.ts\"]}" } }
          ]
        },
        { role: "tool", tool_call_id: "call_Cd34", content: "expect(add(1, 2)).toBe(3)" },
        { role: "tool", tool_call_id: "call_Ef56", content: [{ type: "text", text: "export const add = (a, b) => a - b" }] }
      ],
      tools: [{ type: "function", function: { name: "shell", description: shell.description, parameters: shell.parameters, strict: false } }],
      tool_choice: "auto",
      parallel_tool_calls: true,
      reasoning_effort: "medium",
      verbosity: "low"
    })
  })

  test("a string input is one user message; stream absent or false is not streamed", () => {
    expect(ok({ model: "gpt-4.1", input: "Tell me a three sentence bedtime story about a unicorn." })).toEqual({
      model: "gpt-4.1",
      messages: [{ role: "user", content: "Tell me a three sentence bedtime story about a unicorn." }]
    })
    expect(ok({ model: "m", input: "hi", stream: false })).toEqual({ model: "m", messages: [{ role: "user", content: "hi" }] })
  })

  test("role-only items (EasyInputMessage) with string content", () => {
    const request = ok({
      model: "m",
      input: [
        { role: "system", content: "Be terse." },
        { role: "user", content: "What is 2+2?" },
        { role: "assistant", content: "4" },
        { role: "user", content: "And times 3?" }
      ]
    })
    expect(request.messages).toEqual([
      { role: "system", content: "Be terse." },
      { role: "user", content: "What is 2+2?" },
      { role: "assistant", content: "4" },
      { role: "user", content: "And times 3?" }
    ])
  })

  test("images by URL or data URL keep their detail; original detail is high", () => {
    const request = ok({
      model: "gpt-4.1",
      input: [{
        role: "user",
        content: [
          { type: "input_text", text: "What is in these images?" },
          { type: "input_image", image_url: "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg", detail: "low" },
          { type: "input_image", image_url: "data:image/png;base64,iVBORw0KGgo=", detail: "original" },
          { type: "input_image", image_url: "https://example.com/b.png" }
        ]
      }]
    })
    expect(request.messages).toEqual([{
      role: "user",
      content: [
        { type: "text", text: "What is in these images?" },
        { type: "image_url", image_url: { url: "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg", detail: "low" } },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "high" } },
        { type: "image_url", image_url: { url: "https://example.com/b.png" } }
      ]
    }])
  })

  test("an assistant refusal part is kept as a chat refusal part", () => {
    const request = ok({
      model: "m",
      input: [
        { role: "user", content: "How do I pick a lock?" },
        { type: "message", role: "assistant", content: [{ type: "refusal", refusal: "I can't help with that." }] },
        { role: "user", content: "OK, then how do locks work?" }
      ]
    })
    expect(request.messages[1]).toEqual({ role: "assistant", content: [{ type: "refusal", refusal: "I can't help with that." }] })
  })

  test("reasoning uses the raw reasoning text when present, else the summary; encrypted-only reasoning adds nothing", () => {
    const request = ok({
      model: "gpt-oss-120b",
      input: [
        { role: "user", content: "2+2?" },
        {
          type: "reasoning",
          id: "rs_1",
          summary: [{ type: "summary_text", text: "Adding." }],
          content: [{ type: "reasoning_text", text: "The user asks 2+2. " }, { type: "reasoning_text", text: "That is 4." }]
        },
        { type: "reasoning", id: "rs_2", summary: [{ type: "summary_text", text: "Part one." }, { type: "summary_text", text: "Part two." }] },
        { role: "assistant", content: [{ type: "output_text", text: "4" }] },
        { role: "user", content: "Thanks" },
        { type: "reasoning", id: "rs_3", summary: [], encrypted_content: "opaque" },
        { role: "assistant", content: "You're welcome." }
      ]
    })
    expect<unknown>(request.messages).toEqual([
      { role: "user", content: "2+2?" },
      {
        role: "assistant",
        content: [{ type: "text", text: "4" }],
        reasoning_content: "The user asks 2+2. \n\nThat is 4.\n\nPart one.\n\nPart two."
      },
      { role: "user", content: "Thanks" },
      { role: "assistant", content: "You're welcome." }
    ])
  })

  test("reasoning between an assistant text and a function call starts a new assistant message", () => {
    const request = ok({
      model: "m",
      input: [
        { role: "user", content: "go" },
        { role: "assistant", content: "Looking." },
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Need the file." }] },
        { type: "function_call", call_id: "call_1", name: "read", arguments: "{}" },
        { type: "function_call_output", call_id: "call_1", output: "data" }
      ]
    })
    expect<unknown>(request.messages.slice(1)).toEqual([
      { role: "assistant", content: "Looking." },
      {
        role: "assistant",
        content: null,
        reasoning_content: "Need the file.",
        tool_calls: [{ id: "call_1", type: "function", function: { name: "read", arguments: "{}" } }]
      },
      { role: "tool", tool_call_id: "call_1", content: "data" }
    ])
  })

  test("sampling, limits, structured output, user and tool choice", () => {
    const tools = [{ type: "function", name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: true }]
    expect(ok({
      model: "m",
      input: "weather?",
      tools,
      tool_choice: { type: "function", name: "get_weather" },
      parallel_tool_calls: false,
      max_output_tokens: 512,
      temperature: 0.2,
      top_p: 0.9,
      user: "user-1234",
      safety_identifier: "ignored-when-user-is-set",
      text: { format: { type: "json_schema", name: "weather", schema: { type: "object" }, strict: true, description: "A report" } },
      truncation: "disabled",
      background: false,
      metadata: { run: "7" },
      service_tier: "auto",
      store: true
    })).toEqual({
      model: "m",
      messages: [{ role: "user", content: "weather?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: tools[0]!.parameters, strict: true } }],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
      max_completion_tokens: 512,
      temperature: 0.2,
      top_p: 0.9,
      user: "user-1234",
      response_format: { type: "json_schema", json_schema: { name: "weather", schema: { type: "object" }, strict: true, description: "A report" } }
    })
    expect(ok({ model: "m", input: "x", text: { format: { type: "json_object" } }, safety_identifier: "hashed-42" })).toMatchObject({
      response_format: { type: "json_object" },
      user: "hashed-42"
    })
    expect(ok({ model: "m", input: "x", text: { format: { type: "text" } } })).not.toHaveProperty("response_format")
    for (const choice of ["auto", "none", "required"] as const) {
      expect(ok({ model: "m", input: "x", tools, tool_choice: choice }).tool_choice).toBe(choice)
    }
  })

  test("without tools, tool_choice and parallel_tool_calls are dropped (chat upstreams reject them alone)", () => {
    expect(ok({ model: "m", input: "x", tools: [], tool_choice: "auto", parallel_tool_calls: true })).toEqual({
      model: "m",
      messages: [{ role: "user", content: "x" }]
    })
  })

  test("null fields count as absent", () => {
    expect(ok({ model: "m", input: "x", previous_response_id: null, instructions: null, temperature: null, reasoning: null })).toEqual({
      model: "m",
      messages: [{ role: "user", content: "x" }]
    })
  })

  test("stateful features are refused with advice", () => {
    const previous = refused({ model: "m", input: "x", previous_response_id: "resp_123" })
    expect(previous.param).toBe("previous_response_id")
    expect(previous.message).toContain("does not store responses")
    expect(previous.message).toContain("store")
    expect(refused({ model: "m", input: "x", conversation: "conv_1" }).param).toBe("conversation")
    expect(refused({ model: "m", prompt: { id: "pmpt_1" } }).param).toBe("prompt")
    expect(refused({ model: "m", input: "x", background: true }).param).toBe("background")
    expect(refused({ model: "m", input: [{ type: "item_reference", id: "msg_1" }] })).toMatchObject({ param: "input[0].type" })
  })

  test("what chat cannot express is refused naming its path", () => {
    const cases: Array<[JsonObject, string]> = [
      [{ input: [{ role: "user", content: [{ type: "input_file", file_id: "file-1" }] }] }, "input[0].content[0].type"],
      [{ input: [{ role: "user", content: [{ type: "input_text", text: "a" }, { type: "input_image", file_id: "file-9", detail: "auto" }] }] }, "input[0].content[1].file_id"],
      [{ input: [{ role: "system", content: [{ type: "input_image", image_url: "https://x/y.png", detail: "auto" }] }] }, "input[0].content[0].type"],
      [{ input: [{ role: "user", content: "x" }, { type: "web_search_call", id: "ws_1", status: "completed" }] }, "input[1].type"],
      [{ input: [{ type: "local_shell_call", call_id: "c", status: "completed", action: {} }] }, "input[0].type"],
      [{ input: [{ type: "function_call_output", call_id: "c", output: [{ type: "input_image", image_url: "https://x" }] }] }, "input[0].output[0].type"],
      [{ input: [{ role: "tool", content: "x" }] }, "input[0].role"],
      [{ input: "x", tools: [shell, { type: "web_search" }] }, "tools[1].type"],
      [{ input: "x", tools: [{ type: "custom", name: "apply_patch", format: { type: "grammar" } }] }, "tools[0].type"],
      [{ input: "x", tools: [{ type: "mcp", server_label: "deepwiki" }] }, "tools[0].type"],
      [{ input: "x", tools: [{ ...shell, defer_loading: true }] }, "tools[0].defer_loading"],
      [{ input: "x", tools: [shell], tool_choice: { type: "file_search" } }, "tool_choice.type"],
      [{ input: "x", text: { format: { type: "grammar" } } }, "text.format.type"],
      [{ input: "x", reasoning: { effort: "extreme" } }, "reasoning.effort"],
      [{ input: "x", reasoning: { effort: "low", mode: "pro" } }, "reasoning.mode"],
      [{ input: "x", truncation: "auto" }, "truncation"],
      [{ input: "x", include: ["reasoning.encrypted_content", "message.output_text.logprobs"] }, "include[1]"],
      [{ input: "x", top_logprobs: 3 }, "top_logprobs"],
      [{ input: "x", n: 2 }, "n"],
      [{ input: "x", temperature: "hot" }, "temperature"],
      [{ input: [{ type: "function_call", name: "f", arguments: {}, call_id: "c" }] }, "input[0].arguments"]
    ]
    for (const [body, param] of cases) {
      const failure = refused({ model: "m", ...body })
      expect(failure.param).toBe(param)
      expect(failure.message.length).toBeGreaterThan(0)
    }
  })
})
