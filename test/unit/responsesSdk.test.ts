import { describe, expect, test } from "bun:test"
import { Result } from "effect"
import OpenAI, { APIError } from "openai"
import type { ChatChunk, ChatResponse } from "../../src/domain/Chat.ts"
import type { JsonObject } from "../../src/providers/Provider.ts"
import { responses } from "../../src/surfaces/responses.ts"

const chunk = (delta: Record<string, unknown>, finish_reason: string | null = null): ChatChunk => ({
  id: "chatcmpl-Sdk1",
  object: "chat.completion.chunk",
  created: 1741569952,
  model: "upstream-model",
  choices: [{ index: 0, delta, finish_reason, logprobs: null }]
}) as ChatChunk

const usage: ChatChunk = {
  id: "chatcmpl-Sdk1",
  object: "chat.completion.chunk",
  created: 1741569952,
  model: "upstream-model",
  choices: [],
  usage: { prompt_tokens: 310, completion_tokens: 42, total_tokens: 352, prompt_tokens_details: { cached_tokens: 256 }, completion_tokens_details: { reasoning_tokens: 12 } }
}

const call = (index: number, args: string, head?: { id: string; name: string }): Record<string, unknown> => ({
  tool_calls: [{ index, ...(head ? { id: head.id, type: "function", function: { name: head.name, arguments: args } } : { function: { arguments: args } }) }]
})

/** A text answer followed by two tool calls whose fragments interleave, as some providers send them. */
const toolTurn = [
  chunk({ role: "assistant", reasoning_content: "Need both files." }),
  chunk({ content: "Reading " }),
  chunk({ content: "both files." }),
  chunk(call(0, "", { id: "call_A1", name: "shell" })),
  chunk(call(1, "", { id: "call_B2", name: "shell" })),
  chunk(call(0, "{\"command\":[\"cat\",")),
  chunk(call(1, "{\"command\":[\"cat\",\"b.ts\"]}")),
  chunk(call(0, "\"a.ts\"]}")),
  chunk({}, "tool_calls"),
  usage
]

/** A client whose requests never leave the process: the fetch answers with the given body and records the request. */
const clientAnswering = (answer: (body: JsonObject) => Response) => {
  const sent: Array<JsonObject> = []
  const client = new OpenAI({
    baseURL: "http://sluice.test/v1",
    apiKey: "sk-test",
    maxRetries: 0,
    fetch: async (_url: string | URL | Request, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body)) as JsonObject
      sent.push(body)
      return answer(body)
    }
  })
  return { client, sent }
}

const sse = (chunks: ReadonlyArray<ChatChunk>, model: string, failure?: { message: string; code: string }) => {
  const encoder = responses.encodeStream(model, false)
  const text = chunks.map(encoder.push).join("") + (failure ? encoder.fail(failure.message, failure.code) : encoder.end())
  return new Response(text, { headers: { "content-type": "text/event-stream" } })
}

const streaming = (chunks: ReadonlyArray<ChatChunk>, failure?: { message: string; code: string }) =>
  clientAnswering((body) => sse(chunks, String(body.model), failure))

const request = {
  model: "codex-alias",
  instructions: "You are a coding agent.",
  input: [{ role: "user" as const, content: "Show me a.ts and b.ts" }],
  tools: [{
    type: "function" as const,
    name: "shell",
    description: "Run a command",
    strict: false,
    parameters: { type: "object", properties: { command: { type: "array", items: { type: "string" } } }, required: ["command"] }
  }],
  reasoning: { effort: "low" as const, summary: "auto" as const },
  store: false
}

describe("the openai SDK reads the Responses surface", () => {
  test("responses.stream(): finalResponse has the text, both function calls complete, usage", async () => {
    const { client, sent } = streaming(toolTurn)
    const stream = client.responses.stream(request)
    const snapshots: Array<string> = []
    stream.on("response.output_text.delta", (event) => snapshots.push(event.snapshot))
    const final = await stream.finalResponse()
    expect(snapshots).toEqual(["Reading ", "Reading both files."])
    expect(final.status).toBe("completed")
    expect(final.model).toBe("codex-alias")
    expect(final.output_text).toBe("Reading both files.")
    const calls = final.output.flatMap((item) => item.type === "function_call" ? [item] : [])
    expect(calls.map(({ call_id, name, arguments: args }) => ({ call_id, name, args: JSON.parse(args) as unknown }))).toEqual([
      { call_id: "call_A1", name: "shell", args: { command: ["cat", "a.ts"] } },
      { call_id: "call_B2", name: "shell", args: { command: ["cat", "b.ts"] } }
    ])
    const reasoning = final.output[0]
    expect(reasoning?.type === "reasoning" ? reasoning.content?.[0]?.text : undefined).toBe("Need both files.")
    expect(final.usage).toEqual({
      input_tokens: 310,
      input_tokens_details: { cached_tokens: 256, cache_write_tokens: 0 },
      output_tokens: 42,
      output_tokens_details: { reasoning_tokens: 12 },
      total_tokens: 352
    })
    // What the SDK sent is a request the surface translates.
    const translated = responses.toChat(sent[0]!)
    expect(Result.isSuccess(translated) && translated.success.stream).toBe(true)
  })

  test("responses.create({ stream: true }): the events iterate in order and end with response.completed", async () => {
    const { client } = streaming(toolTurn)
    const events = await client.responses.create({ ...request, stream: true })
    const types: Array<string> = []
    let completed: OpenAI.Responses.Response | undefined
    const args = new Map<number, string>()
    for await (const event of events) {
      types.push(event.type)
      if (event.type === "response.function_call_arguments.delta") args.set(event.output_index, (args.get(event.output_index) ?? "") + event.delta)
      if (event.type === "response.completed") completed = event.response
    }
    expect(types[0]).toBe("response.created")
    expect(types.at(-1)).toBe("response.completed")
    expect([...args.entries()]).toEqual([[2, "{\"command\":[\"cat\",\"a.ts\"]}"], [3, "{\"command\":[\"cat\",\"b.ts\"]}"]])
    expect(completed?.output.map((item) => item.type)).toEqual(["reasoning", "message", "function_call", "function_call"])
    expect(completed?.usage?.total_tokens).toBe(352)
  })

  test("a stream cut by the token limit resolves as an incomplete response", async () => {
    const { client } = streaming([chunk({ content: "Once upon a" }), chunk({}, "length")])
    const final = await client.responses.stream({ model: "m", input: "Tell a story" }).finalResponse()
    expect(final.status).toBe("incomplete")
    expect(final.incomplete_details).toEqual({ reason: "max_output_tokens" })
    expect(final.output_text).toBe("Once upon a")
  })

  test("fail() surfaces as an APIError, when iterating and from finalResponse", async () => {
    const failure = { message: "Upstream stream error: overloaded", code: "upstream_unavailable" }
    const partial = [chunk({ content: "Partial" })]

    const iterated = streaming(partial, failure)
    const events = await iterated.client.responses.create({ model: "m", input: "hi", stream: true })
    const seen: Array<string> = []
    const iterating = async () => {
      for await (const event of events) seen.push(event.type)
    }
    const error = await iterating().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(APIError)
    expect((error as APIError).message).toBe("Upstream stream error: overloaded")
    expect((error as APIError).code).toBe("upstream_unavailable")
    expect(seen).toContain("response.output_text.delta")

    const helper = streaming(partial, failure)
    const rejected = await helper.client.responses.stream({ model: "m", input: "hi" }).finalResponse().then(() => undefined, (e: unknown) => e)
    expect(rejected).toBeInstanceOf(APIError)
    expect((rejected as APIError).message).toBe("Upstream stream error: overloaded")
  })

  test("a non-stream create: output_text, function calls and usage from fromChat's body", async () => {
    const completion: ChatResponse = {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1741569952,
      model: "upstream-model",
      choices: [{
        index: 0,
        finish_reason: "tool_calls",
        logprobs: null,
        message: {
          role: "assistant",
          content: "Let me check.",
          refusal: null,
          tool_calls: [{ id: "call_W1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }]
        }
      }],
      usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 }
    }
    const { client, sent } = clientAnswering((body) => Response.json(responses.fromChat(completion, String(body.model))))
    const response = await client.responses.create({ model: "weather-alias", input: "Weather in Paris?" })
    expect(sent[0]).toEqual({ model: "weather-alias", input: "Weather in Paris?" })
    expect(response.output_text).toBe("Let me check.")
    expect(response.model).toBe("weather-alias")
    expect(response.output[1]).toMatchObject({ type: "function_call", call_id: "call_W1", name: "get_weather", arguments: "{\"city\":\"Paris\"}" })
    expect(response.usage).toMatchObject({ input_tokens: 20, output_tokens: 9, total_tokens: 29, input_tokens_details: { cached_tokens: 0 } })
  })
})
