/**
 * Fake LLM upstream for end-to-end tests, speaking three real wire formats with deterministic content,
 * per-model fault injection (`script`) and observability (`requests`, `inFlight`, `aborted`):
 * - OpenAI under `/v1`: chat completions, legacy completions, embeddings, models (`Authorization: Bearer`).
 * - Anthropic: `POST /v1/messages` (JSON or SSE), `POST /v1/messages/count_tokens`, and `GET /v1/models` in
 *   Anthropic's list shape when the request carries `anthropic-version` (`x-api-key`). Requires
 *   `messages` and `max_tokens` as the real API does.
 * - Gemini: `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent?alt=sse`
 *   (`x-goog-api-key` or `?key=`). A wrong key is a 400 INVALID_ARGUMENT with reason API_KEY_INVALID and
 *   a missing one a 403 PERMISSION_DENIED, as Google answers.
 * Scripts match `body.model`, or for Gemini the model in the URL path. Each format answers the same text
 * (the default sentence, or the rest of the last user turn after `ECHO:`), tool calls and reasoning
 * (see `Behaviour`), with the same token counts (`answerPlan.ts`): prompt = ceil(prompt chars / 4) (cached
 * included), one output token per text or reasoning piece, ceil(json chars / 4) per tool call. Anthropic's
 * `input_tokens` leaves the cached ones out (they are `cache_read_input_tokens`); Gemini's
 * `candidatesTokenCount` leaves reasoning out (`thoughtsTokenCount`); OpenAI's `completion_tokens` includes it.
 * Streams: OpenAI sends tool calls one after another, a header delta then 3 argument fragments each; Anthropic
 * one content block per thinking / text / tool_use; Gemini one chunk per piece or whole functionCall with
 * cumulative usageMetadata, the last chunk carrying finishReason (so a Gemini fault after every chunk comes
 * after a complete answer, unlike the other two whose closing events come after the content).
 *
 * Bun behaviour this relies on (verified with Bun 1.4):
 * - `controller.error(undefined)` on a response body stream makes Bun send a TCP RST:
 *   fetch's body reader rejects with `ECONNRESET` (a raw socket sees `read ECONNRESET`,
 *   not a FIN). If no byte was sent yet, fetch itself rejects. Passing an `Error`
 *   instead works the same but Bun prints it to stderr, hence `undefined`.
 *   A RST discards bytes the client has not read yet, so a cut waits CUT_GRACE_MS first
 *   (Bun ignores a user content-length on stream bodies, so a FIN-based cut is not possible).
 * - A client disconnect fires `req.signal` 'abort' both before the response is returned
 *   and mid-stream; mid-stream the body stream's `cancel()` is called as well.
 * - Bun closes idle connections after 10s by default; `idleTimeout: 0` keeps `hang` and
 *   `stallAfterChunks` truly open.
 */
import { anthropicWire } from "./anthropicWire.ts"
import type { Behaviour } from "./behaviour.ts"
import { geminiWire } from "./geminiWire.ts"
import { openAIError, openaiWire } from "./openaiWire.ts"
import { type Ctx, isRecord, json, reply, sleep } from "./wire.ts"

export type { Behaviour, ScriptedToolCall } from "./behaviour.ts"
export { openAIError }

export interface Recorded {
  readonly method: string
  /** The URL path, e.g. `/v1beta/models/gemini-2.0-flash:streamGenerateContent`. */
  readonly path: string
  /** The query string with its `?`, "" if none (e.g. `?alt=sse`). */
  readonly search: string
  /** Header names lowercased. */
  readonly headers: Record<string, string>
  /** Parsed JSON body, the raw text if it is not JSON, undefined if empty. */
  readonly body: unknown
  /** The body exactly as it arrived. */
  readonly text: string
  /** Date.now() at arrival. */
  readonly at: number
}

export interface FakeUpstreamOptions {
  port?: number
  /** If set, requests must carry one of these (as each format sends its key). */
  keys?: ReadonlyArray<string>
  /** Models listed by `GET /v1/models`. */
  models?: ReadonlyArray<string>
  /** Serve HTTPS with this certificate (a self-signed one is in test/fake/tls/). */
  tls?: { cert: string; key: string }
}

export interface FakeUpstream {
  /** "http://127.0.0.1:PORT/v1" (OpenAI base URL) */
  readonly url: string
  /** "http://127.0.0.1:PORT" (Anthropic and Gemini base URL) */
  readonly origin: string
  readonly port: number
  /** In arrival order. */
  readonly requests: ReadonlyArray<Recorded>
  readonly last: () => Recorded | undefined
  /** Requests whose response has not finished (stream ended) or been aborted. */
  readonly inFlight: () => number
  /** Requests whose client disconnected before the response finished. */
  readonly aborted: () => number
  /** Polls every 5ms; rejects after timeoutMs (default 2000). */
  readonly waitFor: (predicate: () => boolean, timeoutMs?: number) => Promise<void>
  /**
   * Apply `behaviour` to the next `times` requests (default: all until reset) for `model` (body.model, or
   * the Gemini URL's model). Scripts for a model are consumed in the order they were added.
   */
  script(model: string, behaviour: Behaviour, times?: number): void
  /** Clears scripts, recorded requests and counters. */
  reset(): void
  setModels(models: ReadonlyArray<string>): void
  stop(): Promise<void>
}

export const DEFAULT_MODELS: ReadonlyArray<string> = ["gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo-instruct", "text-embedding-3-small"]

type Format = "openai" | "anthropic" | "gemini"

const GEMINI_PATH = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/

const formatOf = (path: string, headers: Record<string, string>): Format =>
  path === "/v1/messages" || path.startsWith("/v1/messages/") || (path === "/v1/models" && headers["anthropic-version"] !== undefined) ? "anthropic"
  : path.startsWith("/v1beta/") ? "gemini"
  : "openai"

const errorFor: Record<Format, (status: number) => unknown> = {
  openai: openaiWire.errorFor,
  anthropic: anthropicWire.errorFor,
  gemini: geminiWire.errorFor,
}

/** The format's own 401-like answer, or undefined when the request carries one of `keys`. */
const authFailure = (format: Format, headers: Record<string, string>, url: URL, keys: ReadonlyArray<string>): { status: number; body: unknown } | undefined => {
  switch (format) {
    case "openai": {
      const auth = headers.authorization ?? ""
      if (keys.some((k) => auth === `Bearer ${k}`)) return undefined
      const msg = "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
      return { status: 401, body: openAIError(msg, "invalid_request_error", "invalid_api_key") }
    }
    case "anthropic": {
      const key = headers["x-api-key"]
      if (key !== undefined && keys.includes(key)) return undefined
      return { status: 401, body: anthropicWire.errorBody("authentication_error", key === undefined ? "x-api-key header is required" : "invalid x-api-key") }
    }
    case "gemini": {
      const key = headers["x-goog-api-key"] || url.searchParams.get("key") || undefined
      if (key !== undefined && keys.includes(key)) return undefined
      return key === undefined ? { status: 403, body: geminiWire.keyMissing() } : { status: 400, body: geminiWire.keyInvalid() }
    }
  }
}

const openaiRoute = (ctx: Ctx, route: string, body: unknown, models: ReadonlyArray<string>): Response => {
  if (route === "GET /v1/models") return reply(ctx, 200, openaiWire.models(models))
  const known = ["POST /v1/chat/completions", "POST /v1/completions", "POST /v1/embeddings"]
  if (!known.includes(route)) return reply(ctx, 404, openAIError(`Invalid URL (${route})`, "invalid_request_error", null))
  if (!isRecord(body)) return reply(ctx, 400, openAIError("We could not parse the JSON body of your request.", "invalid_request_error", null))
  if (typeof body.model === "string" && body.model.includes("no-such-model")) {
    return reply(ctx, 404, openAIError(`The model \`${body.model}\` does not exist`, "invalid_request_error", "model_not_found"))
  }
  if (route === "POST /v1/embeddings") return openaiWire.embeddings(ctx, body)
  return openaiWire.generation(ctx, body, route === "POST /v1/chat/completions" ? "chat" : "text")
}

const anthropicRoute = (ctx: Ctx, route: string, body: unknown, models: ReadonlyArray<string>): Response => {
  if (route === "GET /v1/models") return reply(ctx, 200, anthropicWire.models(models))
  if (route !== "POST /v1/messages" && route !== "POST /v1/messages/count_tokens") {
    return reply(ctx, 404, anthropicWire.errorBody("not_found_error", `Not found: ${route}`))
  }
  if (!isRecord(body)) return reply(ctx, 400, anthropicWire.errorBody("invalid_request_error", "There was an error parsing the body of your request"))
  if (typeof body.model !== "string") return reply(ctx, 400, anthropicWire.errorBody("invalid_request_error", "model: Field required"))
  if (body.model.includes("no-such-model")) return reply(ctx, 404, anthropicWire.errorBody("not_found_error", `model: ${body.model}`))
  return route === "POST /v1/messages" ? anthropicWire.messages(ctx, body) : anthropicWire.countTokens(ctx, body)
}

const geminiRoute = (ctx: Ctx, method: string, url: URL, body: unknown): Response => {
  const match = GEMINI_PATH.exec(url.pathname)
  if (method !== "POST" || match === null) return reply(ctx, 404, geminiWire.errorBody(404, `Not found: ${method} ${url.pathname}`))
  const [, model = "", action] = match
  const stream = action === "streamGenerateContent"
  if (stream && url.searchParams.get("alt") !== "sse") {
    // Without alt=sse Gemini streams one JSON array; the fake only speaks the SSE form.
    return reply(ctx, 400, geminiWire.errorBody(400, "fake upstream: streamGenerateContent needs ?alt=sse"))
  }
  if (model.includes("no-such-model")) return reply(ctx, 404, geminiWire.notFound(model))
  if (!isRecord(body)) return reply(ctx, 400, geminiWire.errorBody(400, "Invalid JSON payload received."))
  return geminiWire.generate(ctx, model, body, stream)
}

export const startFakeUpstream = async (options: FakeUpstreamOptions = {}): Promise<FakeUpstream> => {
  let models: ReadonlyArray<string> = options.models ?? DEFAULT_MODELS
  const requests: Recorded[] = []
  const scripts = new Map<string, Array<{ behaviour: Behaviour; remaining: number }>>()
  const live = new Set<AbortController>()
  let inFlight = 0
  let aborted = 0
  let seq = 0

  const takeScript = (model: unknown): Behaviour => {
    const queue = typeof model === "string" ? scripts.get(model) : undefined
    const entry = queue?.find((e) => e.remaining > 0)
    if (!entry) return {}
    entry.remaining--
    return entry.behaviour
  }

  const handle = async (req: Request, ctx: Ctx, format: Format, url: URL, body: unknown): Promise<Response> => {
    const b = ctx.behaviour
    if (b.hang) await sleep(Infinity, ctx.signal)
    if (b.latencyMs && b.latencyMs > 0) await sleep(b.latencyMs, ctx.signal)
    if (ctx.signal.aborted) return new Response(null, { status: 499 })
    if (b.status !== undefined || b.body !== undefined) {
      const status = b.status ?? 200
      return reply(ctx, status, b.body ?? errorFor[format](status))
    }
    const route = `${req.method} ${url.pathname}`
    switch (format) {
      case "openai":
        return openaiRoute(ctx, route, body, models)
      case "anthropic":
        return anthropicRoute(ctx, route, body, models)
      case "gemini":
        return geminiRoute(ctx, req.method, url, body)
    }
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    port: options.port ?? 0,
    idleTimeout: 0,
    fetch: async (req) => {
      const url = new URL(req.url)
      const path = url.pathname
      const headers: Record<string, string> = {}
      req.headers.forEach((v, k) => (headers[k.toLowerCase()] = v))
      const text = await req.text()
      let body: unknown = text === "" ? undefined : text
      try {
        if (text !== "") body = JSON.parse(text) as unknown
      } catch {
        // keep the raw text
      }
      requests.push({ method: req.method, path, search: url.search, headers, body, text, at: Date.now() })
      const n = ++seq
      const format = formatOf(path, headers)

      const ac = new AbortController()
      let done = false
      inFlight++
      live.add(ac)
      const finish = (wasAborted: boolean) => {
        if (done) return
        done = true
        inFlight--
        if (wasAborted) aborted++
        live.delete(ac)
        ac.abort()
      }
      if (req.signal.aborted) finish(true)
      else req.signal.addEventListener("abort", () => finish(true), { once: true })

      const rid = { "x-request-id": `req_fake_${n}`, ...(format === "anthropic" ? { "request-id": `req_fake_${n}` } : {}) }
      const denied = options.keys ? authFailure(format, headers, url, options.keys) : undefined
      if (denied) {
        finish(false)
        return json(denied.status, denied.body, rid)
      }
      const model = format === "gemini" ? GEMINI_PATH.exec(path)?.[1] : isRecord(body) ? body.model : undefined
      const behaviour = takeScript(model)
      return handle(req, { signal: ac.signal, finish, behaviour, headers: { ...rid, ...behaviour.headers }, seq: n }, format, url, body)
    },
  })

  const port = server.port ?? options.port ?? 0
  const origin = `${options.tls === undefined ? "http" : "https"}://127.0.0.1:${port}`
  return {
    url: `${origin}/v1`,
    origin,
    port,
    get requests() {
      return requests
    },
    last: () => requests.at(-1),
    inFlight: () => inFlight,
    aborted: () => aborted,
    waitFor: async (predicate, timeoutMs = 2000) => {
      const deadline = Date.now() + timeoutMs
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`fake upstream: waitFor timed out after ${timeoutMs}ms`)
        await Bun.sleep(5)
      }
    },
    script: (model, behaviour, times = Infinity) => {
      const queue = scripts.get(model) ?? []
      queue.push({ behaviour, remaining: times })
      scripts.set(model, queue)
    },
    reset: () => {
      scripts.clear()
      requests.length = 0
      inFlight = live.size
      aborted = 0
    },
    setModels: (m) => {
      models = [...m]
    },
    stop: async () => {
      for (const ac of [...live]) ac.abort() // ends sleeps, stalls and hangs: no timers left behind
      await server.stop(true)
    },
  }
}
