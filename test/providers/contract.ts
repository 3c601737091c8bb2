import { describe, expect, test } from "bun:test"
import { Redacted, Result } from "effect"
import type { ChatChunk, ChatRequest, StreamDecoder } from "../../src/domain/Chat.ts"
import type { JsonObject, Provider, RequestSpec } from "../../src/providers/Provider.ts"

/**
 * The suite every upstream adapter runs over its recorded wire fixtures. A fixture set must cover: text,
 * tools, parallel tools, images (requests); text, tools, usage (responses); text, tools, parallel tools
 * (streams); a rate limit, an invalid request, an auth error and a server error (errors).
 */
export interface ContractFixtures {
  readonly requests: ReadonlyArray<{
    readonly name: string
    readonly chat: ChatRequest
    /** The upstream body must contain this (toMatchObject). */
    readonly upstream: JsonObject
    /** The upstream URL must end with this. */
    readonly path: string
  }>
  /** Canonical requests this dialect cannot express: refused naming `param`. */
  readonly unsupported: ReadonlyArray<{ readonly name: string; readonly chat: ChatRequest; readonly param: string }>
  readonly responses: ReadonlyArray<{ readonly name: string; readonly body: unknown; readonly expected: Assembled }>
  /** Raw SSE text exactly as the upstream sends it. */
  readonly streams: ReadonlyArray<{ readonly name: string; readonly sse: string; readonly expected: Assembled }>
  readonly errors: ReadonlyArray<{
    readonly name: string
    readonly status: number
    readonly body: string
    readonly headers?: Record<string, string>
    readonly reason: { readonly _tag: string; readonly status: number; readonly retryAfterMs?: number | null }
  }>
}

/** A response reduced to what must survive translation. */
export interface Assembled {
  text: string
  reasoning?: string
  toolCalls: Array<{ id: string; name: string; arguments: unknown }>
  finishReason: string
  usage: { prompt_tokens: number; completion_tokens: number; cached_tokens: number }
}

const required = {
  requests: ["text", "tools", "parallel_tools", "images"],
  responses: ["text", "tools", "usage"],
  streams: ["text", "tools", "parallel_tools"]
} as const

/** Splits raw SSE text into events as a client would: `event:` name and the `data:` lines joined. */
export const sseEvents = (text: string): Array<{ event: string | undefined; data: string }> =>
  text.replace(/\r\n?/g, "\n").split("\n\n").flatMap((block) => {
    const lines = block.split("\n")
    const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart())
    if (data.length === 0) return []
    const event = lines.find((l) => l.startsWith("event:"))?.slice(6).trim()
    return [{ event, data: data.join("\n") }]
  })

/**
 * Folds canonical chunks into one response, checking the stream invariants on the way: a tool call's id and
 * name come on its first delta and never change, fragments of one index concatenate in order, and usage
 * arrives once in a chunk with no choices.
 */
export const assembleChunks = (chunks: ReadonlyArray<ChatChunk>): Assembled => {
  let text = ""
  let reasoning = ""
  let finishReason = ""
  let usage: Assembled["usage"] | undefined
  const calls = new Map<number, { id: string; name: string; arguments: string }>()
  for (const chunk of chunks) {
    expect(chunk.object).toBe("chat.completion.chunk")
    if (chunk.usage) {
      expect(usage).toBeUndefined()
      usage = {
        prompt_tokens: chunk.usage.prompt_tokens,
        completion_tokens: chunk.usage.completion_tokens,
        cached_tokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0
      }
    }
    for (const choice of chunk.choices) {
      const delta = choice.delta as typeof choice.delta & { reasoning_content?: string | null }
      text += delta.content ?? ""
      reasoning += delta.reasoning_content ?? ""
      for (const call of delta.tool_calls ?? []) {
        const known = calls.get(call.index)
        if (known === undefined) {
          expect(call.id).toBeString()
          expect(call.function?.name).toBeString()
          calls.set(call.index, { id: call.id!, name: call.function!.name!, arguments: call.function?.arguments ?? "" })
        } else {
          if (call.id !== undefined) expect(call.id).toBe(known.id)
          known.arguments += call.function?.arguments ?? ""
        }
      }
      if (choice.finish_reason) finishReason = choice.finish_reason
    }
  }
  expect(usage).toBeDefined()
  return {
    text,
    ...(reasoning === "" ? {} : { reasoning }),
    toolCalls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => ({
      id: c.id,
      name: c.name,
      arguments: JSON.parse(c.arguments === "" ? "{}" : c.arguments)
    })),
    finishReason,
    usage: usage!
  }
}

export const decodeAll = (decoder: StreamDecoder, sse: string): ReadonlyArray<ChatChunk> =>
  sseEvents(sse).flatMap(({ event, data }) => {
    const out = decoder.push(event, data === "[DONE]" ? data : JSON.parse(data))
    if ("failure" in out) throw new Error(`stream failed: ${out.failure}`)
    return [...out]
  })

const spec = (chat: ChatRequest): RequestSpec => ({
  endpoint: "chat",
  body: undefined,
  stream: chat.stream === true,
  target: {
    provider: { name: "p", type: "t", baseUrl: "http://127.0.0.1:9/base", headers: {}, apiVersion: "2024-10-21" },
    key: Redacted.make("sk-upstream"),
    upstreamModel: chat.model
  },
  clientHeaders: new Headers()
})

export const runContract = (name: string, provider: Provider, fixtures: ContractFixtures) =>
  describe(`${name} adapter contract`, () => {
    test("fixtures cover every required case", () => {
      for (const [kind, names] of Object.entries(required)) {
        const have = fixtures[kind as keyof typeof required].map((f) => f.name)
        for (const n of names) expect(have, `${kind} lacks '${n}'`).toContain(n)
      }
      const statuses = fixtures.errors.map((e) => e.status)
      expect(statuses).toContain(429)
      expect(statuses).toContain(400)
      expect(statuses).toContain(401)
      expect(statuses.some((s) => s >= 500)).toBe(true)
    })

    for (const fixture of fixtures.requests) {
      test(`request: ${fixture.name}`, () => {
        const translated = provider.translator.fromChat(fixture.chat)
        if (Result.isFailure(translated)) throw new Error(`refused: ${translated.failure.param}: ${translated.failure.message}`)
        expect(translated.success).toMatchObject(fixture.upstream)
        const request = provider.toRequest({ ...spec(fixture.chat), body: translated.success })
        expect(request.method).toBe("POST")
        expect(new URL(request.url).pathname + new URL(request.url).search).toEndWith(fixture.path)
        expect(JSON.parse(request.body!)).toEqual(JSON.parse(JSON.stringify(translated.success)))
        expect(JSON.stringify(request.headers)).toContain("sk-upstream")
      })
    }

    for (const fixture of fixtures.unsupported) {
      test(`refuses: ${fixture.name}`, () => {
        const translated = provider.translator.fromChat(fixture.chat)
        expect(Result.isFailure(translated)).toBe(true)
        if (Result.isFailure(translated)) expect(translated.failure.param).toBe(fixture.param)
      })
    }

    for (const fixture of fixtures.responses) {
      test(`response: ${fixture.name}`, () => {
        const chat = provider.translator.toChat(fixture.body)
        if (chat === undefined) throw new Error("toChat did not recognise the body")
        const message = chat.choices[0]!.message as typeof chat.choices[0]["message"] & { reasoning_content?: string }
        const usage = chat.usage!
        const assembled: Assembled = {
          text: message.content ?? "",
          ...(message.reasoning_content ? { reasoning: message.reasoning_content } : {}),
          toolCalls: (message.tool_calls ?? []).map((c) => ({
            id: c.id,
            name: c.type === "function" ? c.function.name : "",
            arguments: c.type === "function" ? JSON.parse(c.function.arguments) : null
          })),
          finishReason: chat.choices[0]!.finish_reason,
          usage: {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0
          }
        }
        expect(assembled).toEqual(fixture.expected)
      })
    }

    for (const fixture of fixtures.streams) {
      test(`stream: ${fixture.name}`, () => {
        const decoder = provider.translator.decodeStream()
        const assembled = assembleChunks(decodeAll(decoder, fixture.sse))
        expect(assembled).toEqual(fixture.expected)
        expect(decoder.complete()).toBe(true)
      })
    }

    for (const fixture of fixtures.errors) {
      test(`error: ${fixture.name}`, () => {
        const reason = provider.classify({ status: fixture.status, body: fixture.body, headers: new Headers(fixture.headers) })
        expect(reason._tag as string).toBe(fixture.reason._tag)
        expect(reason.status).toBe(fixture.reason.status)
        if (fixture.reason.retryAfterMs !== undefined && reason._tag === "UpstreamRateLimited") {
          expect(reason.retryAfterMs).toBe(fixture.reason.retryAfterMs)
        }
        expect(reason.message.length).toBeGreaterThan(0)
      })
    }
  })
