import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import type { GatewayError } from "../../src/domain/GatewayError.ts"
import { type ParsedRequest, parseRequest, type SurfaceName } from "../../src/domain/parseRequest.ts"

type OpenAiSurface = Extract<SurfaceName, "chat" | "completions" | "embeddings">

const parseOk = (endpoint: SurfaceName, body: unknown): ParsedRequest =>
  Effect.runSync(parseRequest(endpoint, typeof body === "string" ? body : JSON.stringify(body)))

const parseErr = (endpoint: SurfaceName, body: unknown): GatewayError =>
  Effect.runSync(Effect.flip(parseRequest(endpoint, typeof body === "string" ? body : JSON.stringify(body))))

/** The 400 as the client sees it: message, param and code. */
const invalid = (endpoint: SurfaceName, body: unknown) => {
  const error = parseErr(endpoint, body)
  const reason = error.reason
  if (reason._tag !== "InvalidRequest") throw new Error(`expected InvalidRequest, got ${reason._tag}`)
  expect(reason.status).toBe(400)
  expect(reason.type).toBe("invalid_request_error")
  return { message: reason.message, param: reason.param, code: reason.code }
}

const messages = [{ role: "user", content: "hi" }]
const endpoints: ReadonlyArray<OpenAiSurface> = ["chat", "completions", "embeddings"]
const validFor: Record<OpenAiSurface, Record<string, unknown>> = {
  chat: { model: "m", messages },
  completions: { model: "m", prompt: "Say hi" },
  embeddings: { model: "m", input: "hello" }
}

describe("parseRequest: 400s", () => {
  test("invalid JSON", () => {
    for (const endpoint of endpoints) {
      for (const text of ["", "{", "{\"model\":", "not json", "{'model':'m'}"]) {
        const error = invalid(endpoint, text)
        expect(error).toMatchObject({ param: null, code: "invalid_json" })
        expect(error.message).toContain("not valid JSON")
      }
    }
  })

  test("a JSON value that is not an object", () => {
    for (const text of ["[]", "[{\"model\":\"m\"}]", "null", "42", "\"text\"", "true"]) {
      expect(invalid("chat", text)).toEqual({
        message: "The request body must be a JSON object.",
        param: null,
        code: "invalid_json"
      })
    }
  })

  test("missing, empty or non-string model", () => {
    for (const endpoint of endpoints) {
      const { model: _, ...withoutModel } = validFor[endpoint]
      for (const body of [withoutModel, { ...withoutModel, model: "" }, { ...withoutModel, model: 42 }, { ...withoutModel, model: null }]) {
        expect(invalid(endpoint, body)).toEqual({
          message: "You must provide a model parameter.",
          param: "model",
          code: "missing_required_parameter"
        })
      }
    }
  })

  test("model is checked before the endpoint's required field", () => {
    expect(invalid("chat", {}).param).toBe("model")
  })

  test("each endpoint's required field: messages, prompt, input", () => {
    const cases: ReadonlyArray<[OpenAiSurface, string]> = [["chat", "messages"], ["completions", "prompt"], ["embeddings", "input"]]
    for (const [endpoint, field] of cases) {
      for (const body of [{ model: "m" }, { model: "m", [field]: null }]) {
        expect(invalid(endpoint, body)).toEqual({
          message: `Missing required parameter: '${field}'.`,
          param: field,
          code: "missing_required_parameter"
        })
      }
    }
  })

  test("another endpoint's field does not satisfy this one", () => {
    expect(invalid("chat", { model: "m", prompt: "hi" }).param).toBe("messages")
    expect(invalid("completions", { model: "m", messages }).param).toBe("prompt")
    expect(invalid("embeddings", { model: "m", prompt: "hi" }).param).toBe("input")
  })

  test("chat messages must be a non-empty array", () => {
    for (const value of [[], "hi", { role: "user", content: "hi" }, 3]) {
      expect(invalid("chat", { model: "m", messages: value })).toEqual({
        message: "'messages' must be a non-empty array.",
        param: "messages",
        code: "invalid_type"
      })
    }
  })

  test("stream must be a boolean", () => {
    for (const endpoint of endpoints) {
      for (const value of ["true", 1, 0, {}, []]) {
        expect(invalid(endpoint, { ...validFor[endpoint], stream: value })).toEqual({
          message: "'stream' must be a boolean.",
          param: "stream",
          code: "invalid_type"
        })
      }
    }
  })

  test("stream_options must be an object", () => {
    for (const value of [true, "include_usage", 1, []]) {
      expect(invalid("chat", { ...validFor.chat, stream: true, stream_options: value })).toEqual({
        message: "'stream_options' must be an object.",
        param: "stream_options",
        code: "invalid_type"
      })
    }
  })
})

describe("parseRequest: accepted bodies", () => {
  test("a minimal body of each endpoint is accepted, not streaming", () => {
    for (const endpoint of endpoints) {
      const parsed = parseOk(endpoint, validFor[endpoint])
      expect(parsed.model).toBe("m")
      expect(parsed.stream).toBe(false)
      expect(parsed.body).toEqual(validFor[endpoint])
    }
  })

  test("stream: true streams for chat and completions", () => {
    expect(parseOk("chat", { ...validFor.chat, stream: true }).stream).toBe(true)
    expect(parseOk("completions", { ...validFor.completions, stream: true }).stream).toBe(true)
  })

  test("embeddings never stream", () => {
    const parsed = parseOk("embeddings", { ...validFor.embeddings, stream: true })
    expect(parsed.stream).toBe(false)
    expect(parsed.body.stream).toBe(true)
  })

  test("stream: false or null does not stream", () => {
    expect(parseOk("chat", { ...validFor.chat, stream: false }).stream).toBe(false)
    expect(parseOk("chat", { ...validFor.chat, stream: null }).stream).toBe(false)
  })

  test("stream_options may be an object or null", () => {
    const parsed = parseOk("chat", { ...validFor.chat, stream: true, stream_options: { include_usage: true } })
    expect(parsed.body.stream_options).toEqual({ include_usage: true })
    expect(parseOk("chat", { ...validFor.chat, stream_options: null }).stream).toBe(false)
  })

  test("unknown fields are kept in the body, untouched", () => {
    const body = {
      model: "gpt-4o",
      messages,
      temperature: 0.2,
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
      x_vendor: { nested: [1, "two", null] },
      metadata: null
    }
    const parsed = parseOk("chat", body)
    expect(parsed.body).toEqual(body)
    expect(parsed.model).toBe("gpt-4o")
  })

  test("the required field's value is the upstream's to judge, beyond being present", () => {
    expect(parseOk("completions", { model: "m", prompt: "" }).model).toBe("m")
    expect(parseOk("completions", { model: "m", prompt: ["a", "b"] }).model).toBe("m")
    expect(parseOk("embeddings", { model: "m", input: [1, 2, 3] }).model).toBe("m")
    expect(parseOk("chat", { model: "m", messages: [{}] }).model).toBe("m")
  })

  test("surrounding whitespace in the JSON text is fine", () => {
    expect(parseOk("chat", `\n  ${JSON.stringify(validFor.chat)}  \n`).model).toBe("m")
  })

  test("Anthropic's messages and count_tokens need a non-empty messages array; responses need input", () => {
    expect(invalid("messages", { model: "claude", max_tokens: 10 }).param).toBe("messages")
    expect(invalid("count_tokens", { model: "claude", messages: [] }).param).toBe("messages")
    expect(invalid("responses", { model: "gpt-4o" }).param).toBe("input")
    expect(parseOk("messages", { model: "claude", messages, stream: true }).stream).toBe(true)
    expect(parseOk("responses", { model: "gpt-4o", input: "hi", stream: true }).stream).toBe(true)
  })

  test("count_tokens never streams", () => {
    expect(parseOk("count_tokens", { model: "claude", messages, stream: true }).stream).toBe(false)
  })
})
