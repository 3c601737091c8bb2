import { describe, expect, test } from "bun:test"
import type { ChatCompletionMessage } from "openai/resources/chat/completions"
import type { CompletionUsage } from "openai/resources/completions"
import type { ChatResponse, ReasoningFields } from "../../src/domain/Chat.ts"
import { InvalidRequest, NoRoute, UpstreamRateLimited, UpstreamRejected } from "../../src/domain/GatewayError.ts"
import { responses } from "../../src/surfaces/responses.ts"

type FinishReason = ChatResponse["choices"][number]["finish_reason"]

const completion = (
  message: Partial<ChatCompletionMessage> & ReasoningFields,
  finish_reason: FinishReason = "stop",
  usage?: CompletionUsage
): ChatResponse => ({
  id: "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
  object: "chat.completion",
  created: 1741569952,
  model: "gpt-4.1-2025-04-14",
  choices: [{ index: 0, message: { role: "assistant", content: null, refusal: null, annotations: [], ...message }, logprobs: null, finish_reason }],
  usage: usage ?? {
    prompt_tokens: 19,
    completion_tokens: 10,
    total_tokens: 29,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 }
  },
  service_tier: "default"
})

describe("responses.fromChat", () => {
  test("a text answer: one completed message item, usage, the client's model name", () => {
    const body = responses.fromChat(completion({ content: "Hello! How can I help you today?" }), "my-alias")
    expect(body).toMatchObject({
      object: "response",
      created_at: 1741569952,
      status: "completed",
      error: null,
      incomplete_details: null,
      instructions: null,
      model: "my-alias",
      parallel_tool_calls: true,
      temperature: null,
      top_p: null,
      tool_choice: "auto",
      tools: [],
      metadata: {},
      output: [{
        type: "message",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: "Hello! How can I help you today?", annotations: [], logprobs: [] }]
      }],
      usage: {
        input_tokens: 19,
        input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
        output_tokens: 10,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 29
      }
    })
    expect(body.id).toMatch(/^resp_[0-9a-f]{32}$/)
    expect((body.output as Array<{ id: string }>)[0]!.id).toMatch(/^msg_/)
    expect(body).not.toHaveProperty("output_text")
  })

  test("reasoning, text and parallel tool calls, in that order, with call ids kept", () => {
    const body = responses.fromChat(completion({
      content: "Checking both cities.",
      reasoning_content: "The user wants two forecasts; call the tool twice.",
      tool_calls: [
        { id: "call_Paris1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } },
        { id: "call_Tokyo2", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Tokyo\"}" } }
      ]
    }, "tool_calls", {
      prompt_tokens: 1200,
      completion_tokens: 80,
      total_tokens: 1280,
      prompt_tokens_details: { cached_tokens: 1024, cache_write_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 40 }
    }), "gpt-5")
    expect(body.status).toBe("completed")
    expect(body.output).toMatchObject([
      { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "The user wants two forecasts; call the tool twice." }] },
      { type: "message", content: [{ type: "output_text", text: "Checking both cities." }] },
      { type: "function_call", call_id: "call_Paris1", name: "get_weather", arguments: "{\"city\":\"Paris\"}", status: "completed" },
      { type: "function_call", call_id: "call_Tokyo2", name: "get_weather", arguments: "{\"city\":\"Tokyo\"}", status: "completed" }
    ])
    const ids = (body.output as Array<{ id: string }>).map((item) => item.id)
    expect(ids[0]).toMatch(/^rs_/)
    expect(ids[2]).toMatch(/^fc_/)
    expect(new Set(ids).size).toBe(4)
    expect(body.usage).toEqual({
      input_tokens: 1200,
      input_tokens_details: { cached_tokens: 1024, cache_write_tokens: 100 },
      output_tokens: 80,
      output_tokens_details: { reasoning_tokens: 40 },
      total_tokens: 1280
    })
  })

  test("only tool calls: no message item", () => {
    const body = responses.fromChat(completion({
      tool_calls: [{ id: "call_1", type: "function", function: { name: "shell", arguments: "{\"command\":[\"ls\"]}" } }]
    }, "tool_calls"), "m")
    expect((body.output as Array<{ type: string }>).map((item) => item.type)).toEqual(["function_call"])
  })

  test("length is incomplete with max_output_tokens; content_filter is incomplete with content_filter", () => {
    const cut = responses.fromChat(completion({ content: "Once upon a" }, "length"), "m")
    expect(cut).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } })
    expect(cut.output).toMatchObject([{ type: "message", status: "incomplete" }])
    expect(responses.fromChat(completion({ content: "" }, "content_filter"), "m")).toMatchObject({
      status: "incomplete",
      incomplete_details: { reason: "content_filter" },
      output: []
    })
  })

  test("a refusal is a refusal content part; URL citations become annotations", () => {
    expect(responses.fromChat(completion({ refusal: "I can't help with that." }), "m").output).toMatchObject([
      { type: "message", content: [{ type: "refusal", refusal: "I can't help with that." }] }
    ])
    const cited = responses.fromChat(completion({
      content: "See the docs.",
      annotations: [{ type: "url_citation", url_citation: { url: "https://example.com", title: "Docs", start_index: 4, end_index: 12 } }]
    }), "m")
    expect(cited.output).toMatchObject([{
      content: [{ type: "output_text", annotations: [{ type: "url_citation", url: "https://example.com", title: "Docs", start_index: 4, end_index: 12 }] }]
    }])
  })
})

describe("responses.errorBody", () => {
  test("OpenAI's error shape, with param when the reason has one", () => {
    expect(responses.errorBody(new InvalidRequest({ message: "This gateway does not store responses", param: "previous_response_id", code: "unsupported_parameter" }))).toEqual({
      error: { message: "This gateway does not store responses", type: "invalid_request_error", param: "previous_response_id", code: "unsupported_parameter" }
    })
    expect(responses.errorBody(new NoRoute({ model: "gpt-9", suggestions: [] }))).toEqual({
      error: { message: "The model 'gpt-9' does not exist or is not served by this gateway.", type: "invalid_request_error", param: null, code: "model_not_found" }
    })
    expect(responses.errorBody(new UpstreamRateLimited({ message: "Slow down", retryAfterMs: 1000 }))).toEqual({
      error: { message: "Slow down", type: "rate_limit_error", param: null, code: "upstream_rate_limited" }
    })
    expect(responses.errorBody(new UpstreamRejected({ status: 400, message: "bad", type: "invalid_request_error", param: "input", code: null }))).toEqual({
      error: { message: "bad", type: "invalid_request_error", param: "input", code: null }
    })
  })
})
