/**
 * Error surface, end to end: every failure reaches the official openai SDK as its typed error with OpenAI's
 * `{"error":{"message","type","param","code"}}` body (never a stack trace, never a hang), and every request
 * that reached routing leaves exactly one ledger row.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import OpenAI from "openai"
import type { ChatCompletionChunk } from "openai/resources/chat/completions"
import { type FakeUpstream, startFakeUpstream } from "../fake/upstream.ts"
import { devKey, type LedgerRow, type RunningGateway, startGateway, singleAttempt } from "./harness.ts"

const upstreamKey = "sk-upstream-1"
const limitedKey = "sk-test-limited-0123456789"
const smallBodyLimit = 2048

let fake: FakeUpstream
let gateway: RunningGateway
let client: OpenAI
let closedPort: number
/** Ledger rows the main gateway must hold once every request so far has settled. */
let expectedRows = 0

const config = (fakeUrl: string, deadUrl: string) => `
providers:
  - { name: fake, type: openai-compatible, base_url: "${fakeUrl}", keys: ["${upstreamKey}"], models: [gpt-4o-mini, gpt-4o, text-embedding-3-small, gpt-3.5-turbo-instruct] }
  - { name: slow, type: openai-compatible, base_url: "${fakeUrl}", keys: ["${upstreamKey}"], timeout_ms: 300, stream_idle_timeout_ms: 300, models: [slow-model] }
  - { name: badkey, type: openai-compatible, base_url: "${fakeUrl}", keys: ["sk-upstream-wrong"], models: [badkey-model] }
  - { name: dead, type: openai-compatible, base_url: "${deadUrl}", keys: ["${upstreamKey}"], models: [dead-model] }
  # Its own key: a 429's cooldown stays away from the other tests.
  - { name: limited-upstream, type: openai-compatible, base_url: "${fakeUrl}", keys: ["${upstreamKey}"], models: [rl-model] }
${singleAttempt}
keys:
  - { name: dev, key: "${devKey}", models: ["*"] }
  - { name: limited, key: "${limitedKey}", models: [gpt-4o-mini] }
`

// A second gateway with a small `server.max_body_bytes`.
let small: RunningGateway

beforeAll(async () => {
  // A port that refuses connections: bind it, then release it.
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") })
  closedPort = probe.port ?? 0
  await probe.stop(true)

  fake = await startFakeUpstream({ keys: [upstreamKey] })
  const [main, second] = await Promise.all([
    startGateway({ config: config(fake.url, `http://127.0.0.1:${closedPort}/v1`) }),
    startGateway({
      server: `max_body_bytes: ${smallBodyLimit}`,
      config: `
providers:
  - { name: fake, type: openai-compatible, base_url: "${fake.url}", keys: ["${upstreamKey}"], models: [gpt-4o-mini] }
keys:
  - { name: dev, key: "${devKey}", models: ["*"] }
`
    })
  ])
  gateway = main
  small = second
  client = new OpenAI({ baseURL: gateway.baseURL, apiKey: devKey, maxRetries: 0, timeout: 5000 })
})

afterAll(async () => {
  await gateway?.stop()
  await small?.stop()
  await fake?.stop()
})

// ---------------------------------------------------------------------------------------------------------
// Helpers

interface ErrorObject {
  readonly message: unknown
  readonly type: unknown
  readonly param: unknown
  readonly code: unknown
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Asserts OpenAI's error shape and returns the inner error object. */
const openAIError = (body: unknown): ErrorObject => {
  expect(isRecord(body)).toBe(true)
  const error = isRecord(body) ? body.error : undefined
  if (!isRecord(error)) throw new Error(`not an OpenAI error body: ${JSON.stringify(body)}`)
  expect(typeof error.message).toBe("string")
  expect(String(error.message).length).toBeGreaterThan(0)
  expect(typeof error.type).toBe("string")
  expect("param" in error).toBe(true)
  expect("code" in error).toBe(true)
  return { message: error.message, type: error.type, param: error.param, code: error.code }
}

const noStackTrace = (text: string) => {
  expect(text).not.toMatch(/\n\s+at\s/)
  expect(text).not.toContain("node_modules")
  expect(text).not.toContain("/src/")
}

interface RawAnswer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly error: ErrorObject
}

/** A raw request whose answer must be an OpenAI-shaped JSON error. */
const rawError = async (
  url: string,
  init: { method?: string; body?: BodyInit; headers?: Record<string, string> }
): Promise<RawAnswer> => {
  const response = await fetch(url, {
    method: init.method ?? "POST",
    headers: init.headers ?? {},
    ...(init.body === undefined ? {} : { body: init.body })
  })
  const text = await response.text()
  expect(response.headers.get("content-type") ?? "").toContain("application/json")
  noStackTrace(text)
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new Error(`non-JSON body (status ${response.status}): ${text.slice(0, 300)}`)
  }
  return { status: response.status, headers: response.headers, text, error: openAIError(body) }
}

const authed = (requestId: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${devKey}`,
  "content-type": "application/json",
  "x-request-id": requestId,
  ...extra
})

/** Awaits a promise that must reject and returns what it rejected with. */
const rejection = async (promise: PromiseLike<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected the call to fail, it succeeded")
}

/** Narrows to an SDK APIError and checks the error body it carries. */
const apiError = (error: unknown): InstanceType<typeof OpenAI.APIError> => {
  if (!(error instanceof OpenAI.APIError)) throw new Error(`expected an openai APIError, got: ${String(error)}`)
  expect(error).not.toBeInstanceOf(OpenAI.APIConnectionError)
  openAIError({ error: error.error })
  noStackTrace(error.message)
  return error
}

const opts = (requestId: string) => ({ headers: { "x-request-id": requestId } })

/**
 * The request id of a request that will reach routing, so must leave one ledger row. Counted when the
 * request is made, so that a failing assertion in one test does not shift the counts of the next.
 */
const routed = (requestId: string) => {
  expectedRows++
  return requestId
}

/** Checks the ledger holds exactly the rows expected so far. */
const expectRowCount = async (): Promise<Array<LedgerRow>> => {
  const rows = await gateway.waitForRows(expectedRows)
  expect(rows.length).toBe(expectedRows)
  return rows
}

const rowFor = async (requestId: string): Promise<LedgerRow> => {
  const rows = await expectRowCount()
  const row = rows.find((r) => r.request_id === requestId)
  if (row === undefined) throw new Error(`no ledger row for ${requestId}: ${JSON.stringify(rows.map((r) => r.request_id))}`)
  return row
}

/** Consumes an SDK stream, returning the content deltas received and what it threw, if anything. */
const drain = async (stream: AsyncIterable<ChatCompletionChunk>) => {
  const deltas: Array<string> = []
  try {
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content
      if (content) deltas.push(content)
    }
  } catch (error) {
    return { deltas, error }
  }
  return { deltas, error: undefined }
}

const chatUrl = () => `${gateway.url}/v1/chat/completions`
const hello = [{ role: "user" as const, content: "hi" }]

// ---------------------------------------------------------------------------------------------------------

describe("malformed requests: 400 before routing, no ledger row", () => {
  test("malformed JSON → 400 invalid_json", async () => {
    const answer = await rawError(chatUrl(), { headers: authed("err-bad-json"), body: '{"model": "gpt-4o-mini", "messages": [' })
    expect(answer.status).toBe(400)
    expect(answer.error.code).toBe("invalid_json")
    expect(answer.error.type).toBe("invalid_request_error")
    await expectRowCount()
  })

  test("a JSON body that is not an object → 400 invalid_json", async () => {
    const answer = await rawError(chatUrl(), { headers: authed("err-array-body"), body: "[1,2,3]" })
    expect(answer.status).toBe(400)
    expect(answer.error.code).toBe("invalid_json")
    await expectRowCount()
  })

  test("missing messages → 400 param messages", async () => {
    const answer = await rawError(chatUrl(), { headers: authed("err-no-messages"), body: JSON.stringify({ model: "gpt-4o-mini" }) })
    expect(answer.status).toBe(400)
    expect(answer.error.param).toBe("messages")
    await expectRowCount()
  })

  test("missing model → 400 param model", async () => {
    const answer = await rawError(chatUrl(), { headers: authed("err-no-model"), body: JSON.stringify({ messages: hello }) })
    expect(answer.status).toBe(400)
    expect(answer.error.param).toBe("model")
    await expectRowCount()
  })

  test("stream: \"yes\" → 400 param stream", async () => {
    const answer = await rawError(chatUrl(), {
      headers: authed("err-stream-yes"),
      body: JSON.stringify({ model: "gpt-4o-mini", messages: hello, stream: "yes" })
    })
    expect(answer.status).toBe(400)
    expect(answer.error.param).toBe("stream")
    await expectRowCount()
  })

  test("completions without prompt → 400 param prompt", async () => {
    const answer = await rawError(`${gateway.url}/v1/completions`, {
      headers: authed("err-no-prompt"),
      body: JSON.stringify({ model: "gpt-3.5-turbo-instruct" })
    })
    expect(answer.status).toBe(400)
    expect(answer.error.param).toBe("prompt")
    await expectRowCount()
  })

  test("embeddings without input → 400 param input", async () => {
    const answer = await rawError(`${gateway.url}/v1/embeddings`, {
      headers: authed("err-no-input"),
      body: JSON.stringify({ model: "text-embedding-3-small" })
    })
    expect(answer.status).toBe(400)
    expect(answer.error.param).toBe("input")
    await expectRowCount()
  })

  test("the SDK sees a 400 as BadRequestError with the body's fields", async () => {
    // Sent by the SDK: an empty messages array passes its types but not the gateway's check.
    const error = apiError(await rejection(client.chat.completions.create({ model: "gpt-4o-mini", messages: [] }, opts("err-empty-messages"))))
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.status).toBe(400)
    expect(error.param).toBe("messages")
    await expectRowCount()
  })
})

describe("body size limit (server.max_body_bytes: 2048)", () => {
  const big = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x".repeat(smallBodyLimit * 2) }] })

  test("an oversized body (content-length) → 413 request_too_large, OpenAI-shaped", async () => {
    const answer = await rawError(`${small.url}/v1/chat/completions`, { headers: authed("err-too-large"), body: big })
    expect(answer.status).toBe(413)
    expect(answer.error.code).toBe("request_too_large")
    expect(answer.error.type).toBe("invalid_request_error")
  })

  test("an oversized chunked body (no content-length) → 413 OpenAI-shaped", async () => {
    const bytes = new TextEncoder().encode(big)
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 1000))
        controller.enqueue(bytes.slice(1000))
        controller.close()
      }
    })
    const answer = await rawError(`${small.url}/v1/chat/completions`, { headers: authed("err-too-large-chunked"), body })
    expect(answer.status).toBe(413)
    expect(answer.error.code).toBe("request_too_large")
  })

  test("a chunked body within the limit, split inside a multi-byte character, is read whole", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:héllo" }] }))
    const split = bytes.indexOf(0xc3) + 1
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split))
        controller.enqueue(bytes.slice(split))
        controller.close()
      }
    })
    const response = await fetch(`${small.url}/v1/chat/completions`, { method: "POST", headers: authed("ok-chunked"), body })
    expect(response.status).toBe(200)
    expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe("héllo")
  })

  test("a body of exactly max_body_bytes + 1 → 413 request_too_large, OpenAI-shaped", async () => {
    const prefix = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"'
    const suffix = '"}]}'
    const body = prefix + "x".repeat(smallBodyLimit + 1 - prefix.length - suffix.length) + suffix
    expect(body.length).toBe(smallBodyLimit + 1)
    const answer = await rawError(`${small.url}/v1/chat/completions`, { headers: authed("err-too-large-by-one"), body })
    expect(answer.status).toBe(413)
    expect(answer.error.code).toBe("request_too_large")
  })

  test("through the SDK: APIError status 413", async () => {
    const sdk = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: devKey, maxRetries: 0, timeout: 5000 })
    const error = apiError(await rejection(sdk.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x".repeat(smallBodyLimit * 2) }]
    })))
    expect(error.status).toBe(413)
    expect(error.code).toBe("request_too_large")
  })

  test("a body under the limit still works, and only it is recorded", async () => {
    const sdk = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: devKey, maxRetries: 0, timeout: 5000 })
    const answer = await sdk.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:ok" }] })
    expect(answer.choices[0]?.message.content).toBe("ok")
    // Rows are written in order: once this one is in, the rejected ones would be too.
    const until = Date.now() + 3000
    while (small.rows().length < 1 && Date.now() < until) await Bun.sleep(20)
    const rows = small.rows()
    expect(rows.length).toBe(1)
    expect(rows[0]?.status).toBe(200)
  })
})

describe("authentication and authorisation", () => {
  test("missing key → 401 authentication_error, no row", async () => {
    const answer = await rawError(chatUrl(), {
      headers: { "content-type": "application/json", "x-request-id": "err-no-key" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: hello })
    })
    expect(answer.status).toBe(401)
    expect(answer.error.code).toBe("invalid_api_key")
    await expectRowCount()
  })

  test("wrong key → SDK AuthenticationError 401, no row", async () => {
    const wrong = new OpenAI({ baseURL: gateway.baseURL, apiKey: "sk-not-a-real-key", maxRetries: 0, timeout: 5000 })
    const error = apiError(await rejection(wrong.chat.completions.create({ model: "gpt-4o-mini", messages: hello }, opts("err-wrong-key"))))
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError)
    expect(error.status).toBe(401)
    expect(error.code).toBe("invalid_api_key")
    await expectRowCount()
  })

  test("wrong key in x-api-key → 401", async () => {
    const answer = await rawError(chatUrl(), {
      headers: { "content-type": "application/json", "x-api-key": "sk-not-a-real-key" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: hello })
    })
    expect(answer.status).toBe(401)
    await expectRowCount()
  })

  test("Authorization: Bearer works (SDK)", async () => {
    const answer = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:bearer" }] }, opts(routed("err-bearer-ok")))
    expect(answer.choices[0]?.message.content).toBe("bearer")
    expect((await rowFor("err-bearer-ok")).status).toBe(200)
  })

  test("x-api-key works", async () => {
    const response = await fetch(chatUrl(), {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": devKey, "x-request-id": routed("err-x-api-key-ok") },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ECHO:x-api-key" }] })
    })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> }
    expect(body.choices[0]?.message.content).toBe("x-api-key")
    expect((await rowFor("err-x-api-key-ok")).status).toBe(200)
  })

  test("model not allowed for the key → SDK PermissionDeniedError 403, with a row", async () => {
    const limited = new OpenAI({ baseURL: gateway.baseURL, apiKey: limitedKey, maxRetries: 0, timeout: 5000 })
    const before = fake.requests.length
    const error = apiError(await rejection(limited.chat.completions.create({ model: "gpt-4o", messages: hello }, opts(routed("err-forbidden")))))
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(error.status).toBe(403)
    expect(error.type).toBe("permission_error")
    expect(fake.requests.length).toBe(before)
    const row = await rowFor("err-forbidden")
    expect(row).toMatchObject({ status: 403, key_name: "limited", model: "gpt-4o" })
  })
})

describe("unknown model and route", () => {
  test("unknown model → SDK NotFoundError 404 model_not_found naming the model and close matches, with a row", async () => {
    const before = fake.requests.length
    const error = apiError(await rejection(client.chat.completions.create({ model: "gpt-4o-mni", messages: hello }, opts(routed("err-unknown-model")))))
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect(error.status).toBe(404)
    expect(error.code).toBe("model_not_found")
    expect(error.message).toContain("gpt-4o-mni")
    expect(error.message).toContain("gpt-4o-mini")
    expect(fake.requests.length).toBe(before)
    const row = await rowFor("err-unknown-model")
    expect(row).toMatchObject({ status: 404, model: "gpt-4o-mni", provider: null })
  })

  test("unknown route GET /v1/nope → 404 OpenAI-shaped", async () => {
    const answer = await rawError(`${gateway.url}/v1/nope`, { method: "GET", headers: { authorization: `Bearer ${devKey}` } })
    expect(answer.status).toBe(404)
    expect(answer.error.type).toBe("invalid_request_error")
    await expectRowCount()
  })

  test("unknown route through the SDK → NotFoundError", async () => {
    const error = apiError(await rejection(client.get("/nope")))
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect(error.status).toBe(404)
    await expectRowCount()
  })
})

describe("upstream errors with a status", () => {
  test("upstream 400 with its own OpenAI error body → passed through unchanged", async () => {
    const upstreamError = {
      message: "Invalid value for 'temperature': must be at most 2.",
      type: "invalid_request_error",
      param: "temperature",
      code: "invalid_value"
    }
    fake.script("gpt-4o", { status: 400, body: { error: upstreamError } }, 1)
    const error = apiError(await rejection(client.chat.completions.create({ model: "gpt-4o", messages: hello }, opts(routed("err-upstream-400")))))
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.status).toBe(400)
    expect(error.error).toEqual(upstreamError)
    expect(error.code).toBe("invalid_value")
    expect(error.param).toBe("temperature")
    expect(error.type).toBe("invalid_request_error")
    expect(error.message).toBe(`400 ${upstreamError.message}`)
    const row = await rowFor("err-upstream-400")
    expect(row).toMatchObject({ status: 400, provider: "fake" })
  })

  test("upstream 401 (the provider's key is wrong) → its status and message pass through", async () => {
    const error = apiError(await rejection(client.chat.completions.create({ model: "badkey-model", messages: hello }, opts(routed("err-upstream-401")))))
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError)
    expect(error.status).toBe(401)
    expect(error.message).toContain("Incorrect API key provided")
    expect(error.code).toBe("invalid_api_key")
    expect(fake.last()?.headers.authorization).toBe("Bearer sk-upstream-wrong")
    const row = await rowFor("err-upstream-401")
    expect(row).toMatchObject({ status: 401, provider: "badkey" })
  })

  test("upstream 429 with retry-after: 7 → SDK RateLimitError 429 with retry-after", async () => {
    fake.script("rl-model", { status: 429, headers: { "retry-after": "7" } }, 1)
    const error = apiError(await rejection(client.chat.completions.create({ model: "rl-model", messages: hello }, opts(routed("err-upstream-429")))))
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error.status).toBe(429)
    expect(error.headers?.get("retry-after")).toBe("7")
    expect((await rowFor("err-upstream-429")).status).toBe(429)
  })

  for (const status of [500, 503]) {
    test(`upstream ${status} → SDK InternalServerError 502 naming the upstream status`, async () => {
      fake.script("gpt-4o", { status }, 1)
      const id = routed(`err-upstream-${status}`)
      const error = apiError(await rejection(client.chat.completions.create({ model: "gpt-4o", messages: hello }, opts(id))))
      expect(error).toBeInstanceOf(OpenAI.InternalServerError)
      expect(error.status).toBe(502)
      expect(error.code).toBe("upstream_unavailable")
      expect(error.message).toContain(String(status))
      expect((await rowFor(id)).status).toBe(502)
    })
  }

  test("upstream 503 on a stream request → 502 JSON error before any event", async () => {
    fake.script("gpt-4o", { status: 503 }, 1)
    const error = apiError(await rejection(client.chat.completions.create({ model: "gpt-4o", messages: hello, stream: true }, opts(routed("err-stream-503")))))
    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
    expect(error.status).toBe(502)
    expect(error.message).toContain("503")
    const row = await rowFor("err-stream-503")
    expect(row).toMatchObject({ status: 502, stream: 1 })
  })
})

describe("upstream transport failures (non-stream)", () => {
  test("refused connection → SDK InternalServerError 502 upstream_unavailable", async () => {
    const error = apiError(await rejection(client.chat.completions.create({ model: "dead-model", messages: hello }, opts(routed("err-refused")))))
    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
    expect(error.status).toBe(502)
    expect(error.code).toBe("upstream_unavailable")
    const row = await rowFor("err-refused")
    expect(row).toMatchObject({ status: 502, provider: "dead" })
  })

  test("upstream hangs past timeout_ms (300) → 504 upstream_timeout and the upstream request is aborted", async () => {
    fake.script("slow-model", { hang: true }, 1)
    const aborted = fake.aborted()
    const error = apiError(await rejection(client.chat.completions.create({ model: "slow-model", messages: hello }, opts(routed("err-timeout")))))
    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
    expect(error.status).toBe(504)
    expect(error.code).toBe("upstream_timeout")
    await fake.waitFor(() => fake.aborted() === aborted + 1)
    expect(fake.inFlight()).toBe(0)
    expect((await rowFor("err-timeout")).status).toBe(504)
  })

  test("upstream resets the connection (non-stream) → 502", async () => {
    fake.script("gpt-4o", { cutAfterChunks: 0 }, 1)
    const error = apiError(await rejection(client.chat.completions.create({ model: "gpt-4o", messages: hello }, opts(routed("err-reset")))))
    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
    expect(error.status).toBe(502)
    expect((await rowFor("err-reset")).status).toBe(502)
  })

  test("upstream answers malformed JSON (non-stream) → 502 upstream_protocol_error", async () => {
    fake.script("gpt-4o", { malformedAfterChunks: 0 }, 1)
    const error = apiError(await rejection(client.chat.completions.create({ model: "gpt-4o", messages: hello }, opts(routed("err-malformed")))))
    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
    expect(error.status).toBe(502)
    expect(error.code).toBe("upstream_protocol_error")
    expect((await rowFor("err-malformed")).status).toBe(502)
  })

  test("upstream sends headers then stalls mid-body (non-stream) → a gateway error, not a hang", async () => {
    // The slow provider has timeout_ms 300 and stream_idle_timeout_ms 300; the SDK gives up after 2 s.
    fake.script("slow-model", { stallAfterChunks: 0 }, 1)
    const aborted = fake.aborted()
    const error = await rejection(client.chat.completions.create({ model: "slow-model", messages: hello }, { ...opts(routed("err-body-stall")), timeout: 2000 }))
    expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError)
    const api = apiError(error)
    expect(api).toBeInstanceOf(OpenAI.InternalServerError)
    expect(api.status).toBe(504)
    expect(api.code).toBe("upstream_timeout")
    await fake.waitFor(() => fake.aborted() === aborted + 1)
    expect((await rowFor("err-body-stall")).status).toBe(504)
  })
})

describe("upstream failures mid-stream", () => {
  test("stream cut after 3 deltas → the SDK throws an APIError after them; ledger 502, stream=1, estimated", async () => {
    fake.script("gpt-4o", { cutAfterChunks: 3 }, 1)
    const stream = await client.chat.completions.create({ model: "gpt-4o", messages: hello, stream: true }, opts(routed("err-stream-cut")))
    const { deltas, error } = await drain(stream)
    expect(deltas).toEqual(["Hello", " from", " fake"])
    const api = apiError(error)
    expect(api.code).toBe("upstream_stream_interrupted")
    const row = await rowFor("err-stream-cut")
    expect(row).toMatchObject({ status: 502, stream: 1, usage_source: "estimated", provider: "fake" })
  })

  test("stream with a malformed event → the SDK throws; ledger 502", async () => {
    fake.script("gpt-4o", { malformedAfterChunks: 2 }, 1)
    const stream = await client.chat.completions.create({ model: "gpt-4o", messages: hello, stream: true }, opts(routed("err-stream-malformed")))
    const { error } = await drain(stream)
    const api = apiError(error)
    expect(api.code).toBe("upstream_protocol_error")
    const row = await rowFor("err-stream-malformed")
    expect(row).toMatchObject({ status: 502, stream: 1 })
  })

  test("stream with a malformed event: the valid events before it still reach the client", async () => {
    // The fake writes its events back to back, so they usually reach the gateway in one read with the bad one.
    fake.script("gpt-4o", { malformedAfterChunks: 2 }, 1)
    const stream = await client.chat.completions.create({ model: "gpt-4o", messages: hello, stream: true }, opts(routed("err-stream-malformed-deltas")))
    const { deltas, error } = await drain(stream)
    expect(apiError(error).code).toBe("upstream_protocol_error")
    expect(deltas).toEqual(["Hello", " from"])
    expect((await rowFor("err-stream-malformed-deltas")).status).toBe(502)
  })

  test("stream stalls with stream_idle_timeout_ms 300 → error event, ledger 504, upstream aborted", async () => {
    fake.script("slow-model", { stallAfterChunks: 2 }, 1)
    const aborted = fake.aborted()
    const stream = await client.chat.completions.create({ model: "slow-model", messages: hello, stream: true }, opts(routed("err-stream-stall")))
    const { deltas, error } = await drain(stream)
    expect(deltas).toEqual(["Hello", " from"])
    const api = apiError(error)
    expect(api.code).toBe("upstream_idle_timeout")
    await fake.waitFor(() => fake.aborted() === aborted + 1)
    const row = await rowFor("err-stream-stall")
    expect(row).toMatchObject({ status: 504, stream: 1, provider: "slow" })
  })
})

describe("ledger totals", () => {
  test("exactly one row per request that reached routing, none for the rejected ones", async () => {
    // One last routed request: rows are written in order, so once its row is in, every earlier one is too.
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: hello }, opts(routed("err-final")))
    const rows = await expectRowCount()
    expect(rows.map((r) => r.request_id)).toEqual([
      "err-bearer-ok",
      "err-x-api-key-ok",
      "err-forbidden",
      "err-unknown-model",
      "err-upstream-400",
      "err-upstream-401",
      "err-upstream-429",
      "err-upstream-500",
      "err-upstream-503",
      "err-stream-503",
      "err-refused",
      "err-timeout",
      "err-reset",
      "err-malformed",
      "err-body-stall",
      "err-stream-cut",
      "err-stream-malformed",
      "err-stream-malformed-deltas",
      "err-stream-stall",
      "err-final"
    ])
    expect(fake.inFlight()).toBe(0)
  })
})
