import { describe, expect, test } from "bun:test"
import { Redacted, Result } from "effect"
import type { ChatRequest } from "../../src/domain/Chat.ts"
import { gemini } from "../../src/providers/gemini.ts"
import type { JsonObject, RequestSpec } from "../../src/providers/Provider.ts"

const fromChat = (request: Partial<ChatRequest> & Record<string, unknown>): JsonObject => {
  const result = gemini.translator.fromChat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }], ...request } as ChatRequest)
  if (Result.isFailure(result)) throw new Error(`refused: ${result.failure.param}: ${result.failure.message}`)
  return result.success
}

const refusal = (request: Partial<ChatRequest> & Record<string, unknown>) => {
  const result = gemini.translator.fromChat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }], ...request } as ChatRequest)
  if (Result.isSuccess(result)) throw new Error(`accepted: ${JSON.stringify(result.success)}`)
  return result.failure.param
}

const hi = [{ role: "user", parts: [{ text: "Hi" }] }]

describe("gemini fromChat", () => {
  test("system and developer messages become the systemInstruction; the body has no model or stream", () => {
    expect(fromChat({
      stream: true,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Use metric units." }] },
        { role: "user", content: "Hi" }
      ]
    })).toEqual({ systemInstruction: { parts: [{ text: "Be brief." }, { text: "Use metric units." }] }, contents: hi })
  })

  test("user and assistant turns alternate as user and model; adjacent ones merge; empty texts are left out", () => {
    expect(fromChat({
      messages: [
        { role: "user", content: "One" },
        { role: "user", content: [{ type: "text", text: "Two" }, { type: "text", text: "" }] },
        { role: "assistant", content: "Three" },
        { role: "assistant", content: [{ type: "text", text: "Four" }], refusal: null },
        { role: "user", content: "" }
      ]
    }).contents).toEqual([
      { role: "user", parts: [{ text: "One" }, { text: "Two" }] },
      { role: "model", parts: [{ text: "Three" }, { text: "Four" }] }
    ])
  })

  test("an assistant refusal is replayed as what it said", () => {
    expect(fromChat({ messages: [{ role: "user", content: "x" }, { role: "assistant", content: null, refusal: "I can't." }] }).contents)
      .toEqual([{ role: "user", parts: [{ text: "x" }] }, { role: "model", parts: [{ text: "I can't." }] }])
  })

  test("images: data: URLs inline, http(s) URLs by reference with a guessed type, Files API URIs without one", () => {
    const parts = (url: string) =>
      (fromChat({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }] }).contents as Array<{ parts: unknown }>)[0]!.parts
    expect(parts("data:image/webp;base64,UklGRg==")).toEqual([{ inlineData: { mimeType: "image/webp", data: "UklGRg==" } }])
    expect(parts("data:text/plain,hello%20world")).toEqual([{ inlineData: { mimeType: "text/plain", data: btoa("hello world") } }])
    expect(parts("https://example.com/a/b.png")).toEqual([{ fileData: { fileUri: "https://example.com/a/b.png", mimeType: "image/png" } }])
    expect(parts("http://example.com/doc.pdf#page=2")).toEqual([{ fileData: { fileUri: "http://example.com/doc.pdf#page=2", mimeType: "application/pdf" } }])
    const uploaded = "https://generativelanguage.googleapis.com/v1beta/files/abc-123"
    expect(parts(uploaded)).toEqual([{ fileData: { fileUri: uploaded } }])
  })

  test("audio and files inline", () => {
    expect(fromChat({
      messages: [{
        role: "user",
        content: [
          { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
          { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } },
          { type: "file", file: { file_data: "JVBERi0=", filename: "report.PDF" } }
        ]
      }]
    }).contents).toEqual([{
      role: "user",
      parts: [
        { inlineData: { mimeType: "audio/wav", data: "UklGRg==" } },
        { inlineData: { mimeType: "application/pdf", data: "JVBERi0=" } },
        { inlineData: { mimeType: "application/pdf", data: "JVBERi0=" } }
      ]
    }])
  })

  test("tool calls become functionCall parts and tool results functionResponse parts in one user turn", () => {
    expect(fromChat({
      messages: [
        { role: "user", content: "Weather?" },
        {
          role: "assistant",
          content: "Looking.",
          reasoning_content: "The user wants weather.",
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } },
            { id: "toolu_b", type: "function", function: { name: "get_time", arguments: "" } }
          ]
        } as never,
        { role: "tool", tool_call_id: "call_a", content: [{ type: "text", text: "{\"temp\":" }, { type: "text", text: "21}" }] },
        { role: "tool", tool_call_id: "toolu_b", content: "[1,2]" }
      ]
    }).contents).toEqual([
      { role: "user", parts: [{ text: "Weather?" }] },
      {
        role: "model",
        parts: [
          { text: "Looking." },
          { functionCall: { name: "get_weather", args: { city: "Paris" } } },
          // Not a `call_` id, so it may be Gemini's: sent back.
          { functionCall: { id: "toolu_b", name: "get_time", args: {} } }
        ]
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { temp: 21 } } },
          { functionResponse: { id: "toolu_b", name: "get_time", response: { result: "[1,2]" } } }
        ]
      }
    ])
  })

  test("a repeated tool call id takes its name from the nearest earlier call", () => {
    const call = (name: string) => ({ role: "assistant" as const, tool_calls: [{ id: "call_1", type: "function" as const, function: { name, arguments: "{}" } }] })
    const contents = fromChat({
      messages: [
        { role: "user", content: "x" }, call("first"), { role: "tool", tool_call_id: "call_1", content: "a" },
        call("second"), { role: "tool", tool_call_id: "call_1", content: "b" }
      ]
    }).contents as Array<{ parts: Array<{ functionResponse?: { name: string } }> }>
    expect(contents[4]!.parts[0]!.functionResponse!.name).toBe("second")
  })

  test("tools and tool_choice", () => {
    const tools = [
      { type: "function" as const, function: { name: "a", description: "A", parameters: { type: "object" }, strict: true } },
      { type: "function" as const, function: { name: "b" } }
    ]
    expect(fromChat({ tools, tool_choice: "auto" })).toEqual({
      contents: hi,
      tools: [{ functionDeclarations: [{ name: "a", description: "A", parametersJsonSchema: { type: "object" } }, { name: "b" }] }],
      toolConfig: { functionCallingConfig: { mode: "AUTO" } }
    })
    const config = (tool_choice: ChatRequest["tool_choice"]) => fromChat({ tools, tool_choice }).toolConfig
    expect(config("none")).toEqual({ functionCallingConfig: { mode: "NONE" } })
    expect(config("required")).toEqual({ functionCallingConfig: { mode: "ANY" } })
    expect(config({ type: "function", function: { name: "b" } })).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["b"] } })
    expect(config({ type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "a" } }] } }))
      .toEqual({ functionCallingConfig: { mode: "VALIDATED", allowedFunctionNames: ["a"] } })
    expect(config({ type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "a" } }] } }))
      .toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["a"] } })
    expect(fromChat({ tools: [] })).toEqual({ contents: hi })
  })

  test("generationConfig", () => {
    expect(fromChat({
      temperature: 0.7,
      top_p: 0.9,
      top_k: 40,
      max_tokens: 50,
      max_completion_tokens: 500,
      stop: ["END", "STOP"],
      n: 1,
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" }, strict: true } }
    }).generationConfig).toEqual({
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      maxOutputTokens: 500,
      stopSequences: ["END", "STOP"],
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      responseMimeType: "application/json",
      responseJsonSchema: { type: "object" }
    })
    expect(fromChat({ max_tokens: 50, response_format: { type: "json_object" } }).generationConfig)
      .toEqual({ maxOutputTokens: 50, responseMimeType: "application/json" })
    expect(fromChat({ response_format: { type: "text" }, temperature: null })).toEqual({ contents: hi })
  })

  test("reasoning_effort becomes a thinking budget with thoughts included; none turns thinking off", () => {
    const thinking = (reasoning_effort: ChatRequest["reasoning_effort"]) =>
      (fromChat({ reasoning_effort }).generationConfig as { thinkingConfig: unknown }).thinkingConfig
    expect(thinking("low")).toEqual({ thinkingBudget: 1024, includeThoughts: true })
    expect(thinking("medium")).toEqual({ thinkingBudget: 8192, includeThoughts: true })
    expect(thinking("high")).toEqual({ thinkingBudget: 24576, includeThoughts: true })
    expect(thinking("minimal")).toEqual({ thinkingBudget: 1024, includeThoughts: true })
    expect(thinking("none")).toEqual({ thinkingBudget: 0 })
    expect(refusal({ reasoning_effort: "extreme" as never })).toBe("reasoning_effort")
  })

  test("fields with no effect on the output are ignored", () => {
    expect(fromChat({
      user: "u",
      store: true,
      metadata: { a: "b" },
      service_tier: "auto",
      stream_options: { include_usage: true },
      parallel_tool_calls: false,
      safety_identifier: "s",
      prompt_cache_key: "k",
      logprobs: false,
      logit_bias: {},
      modalities: ["text"],
      functions: []
    })).toEqual({ contents: hi })
  })

  test("what Gemini cannot express is refused, naming the field", () => {
    const call = (args: string) => ({
      messages: [{ role: "user" as const, content: "x" }, { role: "assistant" as const, tool_calls: [{ id: "c", type: "function" as const, function: { name: "f", arguments: args } }] }]
    })
    const cases: Array<[Partial<ChatRequest> & Record<string, unknown>, string]> = [
      [{ logprobs: true }, "logprobs"],
      [{ top_logprobs: 2 }, "top_logprobs"],
      [{ logit_bias: { "50256": -100 } }, "logit_bias"],
      [{ audio: { voice: "alloy", format: "wav" } }, "audio"],
      [{ modalities: ["text", "audio"] }, "modalities"],
      [{ prediction: { type: "content", content: "x" } }, "prediction"],
      [{ web_search_options: {} }, "web_search_options"],
      [{ functions: [{ name: "f" }] }, "functions"],
      [{ function_call: "auto" }, "function_call"],
      [{ verbosity: "low" }, "verbosity"],
      [{ n: 3 }, "n"],
      [{ unknown_thing: 1 }, "unknown_thing"],
      [{ response_format: { type: "grammar" } as never }, "response_format.type"],
      [{ tools: [{ type: "custom", custom: { name: "c" } }] }, "tools[0].type"],
      [{ tool_choice: { type: "custom", custom: { name: "c" } } }, "tool_choice.type"],
      [call("[1,2]"), "messages[1].tool_calls[0].function.arguments"],
      [call("{not json"), "messages[1].tool_calls[0].function.arguments"],
      [{ messages: [{ role: "user", content: "x" }, { role: "assistant", tool_calls: [{ id: "c", type: "custom", custom: { name: "f", input: "" } }] }] }, "messages[1].tool_calls[0].type"],
      [{ messages: [{ role: "tool", tool_call_id: "nope", content: "x" }] }, "messages[0].tool_call_id"],
      [{ messages: [{ role: "function", name: "f", content: "x" }] }, "messages[0].role"],
      [{ messages: [{ role: "user", name: "alice", content: "x" }] }, "messages[0].name"],
      [{ messages: [{ role: "assistant", content: null, audio: { id: "a" } }] }, "messages[0].audio"],
      [{ messages: [{ role: "assistant", content: null, function_call: { name: "f", arguments: "{}" } }] }, "messages[0].function_call"],
      [{ messages: [{ role: "system", content: [{ type: "image_url", image_url: { url: "x" } }] as never }] }, "messages[0].content[0].type"],
      [{ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x.com/photo" } }] }] }, "messages[0].content[0].image_url.url"],
      [{ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x.com/a.png" } }] }] }, "messages[0].content[0].image_url.url"],
      [{ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:;base64,AAAA" } }] }] }, "messages[0].content[0].image_url.url"],
      [{ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "x", format: "flac" as never } }] }] }, "messages[0].content[0].input_audio.format"],
      [{ messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-abc" } }] }] }, "messages[0].content[0].file.file_id"],
      [{ messages: [{ role: "user", content: [{ type: "file", file: { file_data: "AAAA", filename: "x.bin" } }] }] }, "messages[0].content[0].file.filename"]
    ]
    for (const [request, param] of cases) expect(refusal(request)).toBe(param)
  })
})

describe("gemini toRequest", () => {
  const spec = (overrides: Partial<RequestSpec>): RequestSpec => ({
    endpoint: "chat",
    body: { contents: hi },
    stream: false,
    target: {
      provider: { name: "g", type: "gemini", baseUrl: undefined, headers: { "x-extra": "1" } },
      key: Redacted.make("AIza-test"),
      upstreamModel: "gemini-2.5-flash"
    },
    clientHeaders: new Headers(),
    ...overrides
  })

  test("generateContent with the model in the URL and the key in x-goog-api-key", () => {
    expect(gemini.toRequest(spec({}))).toEqual({
      method: "POST",
      url: "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
      headers: { "x-extra": "1", "content-type": "application/json", "x-goog-api-key": "AIza-test" },
      body: JSON.stringify({ contents: hi })
    })
  })

  test("streaming asks for SSE; a configured base URL and a full model resource name are kept", () => {
    const target = {
      provider: { name: "g", type: "gemini", baseUrl: "https://proxy.example/v1beta/", headers: {} },
      key: Redacted.make("k"),
      upstreamModel: "tunedModels/my-model"
    }
    expect(gemini.toRequest(spec({ stream: true, target })).url)
      .toBe("https://proxy.example/v1beta/tunedModels/my-model:streamGenerateContent?alt=sse")
  })

  test("models is a GET", () => {
    expect(gemini.toRequest(spec({ endpoint: "models", body: undefined }))).toEqual({
      method: "GET",
      url: "https://generativelanguage.googleapis.com/v1beta/models",
      headers: { "x-extra": "1", "x-goog-api-key": "AIza-test" },
      body: undefined
    })
  })

  test("the adapter's declared shape", () => {
    expect(gemini.dialect).toBe("gemini")
    expect(gemini.requiresKey).toBe(true)
    expect([...gemini.endpoints].sort()).toEqual(["chat", "models"])
  })
})
