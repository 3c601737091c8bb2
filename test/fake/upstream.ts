/**
 * Fake OpenAI-compatible upstream for end-to-end tests.
 *
 * Speaks OpenAI's wire formats under `/v1` (chat completions, legacy completions,
 * embeddings, models) with deterministic content, plus per-model fault injection
 * (`script`) and observability (`requests`, `inFlight`, `aborted`).
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

export type Behaviour = {
  /** Answer with this status and JSON body (default body: OpenAI error shape naming the status). */
  status?: number
  body?: unknown
  /** Extra response headers (also applied to normal responses). */
  headers?: Record<string, string>
  /** Delay before responding (time to first byte); ends early if the client aborts. */
  latencyMs?: number
  /** Delay between stream events. */
  chunkDelayMs?: number
  /** Number of content chunks (words cycled as needed). */
  chunks?: number
  /** Never answer (until the client aborts). */
  hang?: boolean
  /** Stream: TCP reset after N content chunks. Non-stream: reset before any response byte. */
  cutAfterChunks?: number
  /** Stream: after N content chunks keep the connection open and silent. Non-stream: headers and a partial body, then silence. */
  stallAfterChunks?: number
  /** Stream: after N content chunks send `data: {not json` and end. Non-stream: `{not json` body. */
  malformedAfterChunks?: number
  /** Never report usage (no usage chunk even if asked; non-stream: no `usage` field). */
  noUsage?: boolean
  /** Reported as `prompt_tokens_details.cached_tokens`. */
  cachedTokens?: number
}

export interface Recorded {
  readonly method: string
  readonly path: string
  /** Header names lowercased. */
  readonly headers: Record<string, string>
  /** Parsed JSON body, the raw text if it is not JSON, undefined if empty. */
  readonly body: unknown
  /** Date.now() at arrival. */
  readonly at: number
}

export interface FakeUpstreamOptions {
  port?: number
  /** If set, requests must carry `Authorization: Bearer <one of these>`. */
  keys?: ReadonlyArray<string>
  /** Models listed by `GET /v1/models`. */
  models?: ReadonlyArray<string>
  /** Serve HTTPS with this certificate (a self-signed one is in test/fake/tls/). */
  tls?: { cert: string; key: string }
}

export interface FakeUpstream {
  /** "http://127.0.0.1:PORT/v1" */
  readonly url: string
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
   * Apply `behaviour` to the next `times` requests (default: all until reset) whose
   * body.model === model. Scripts for a model are consumed in the order they were added.
   */
  script(model: string, behaviour: Behaviour, times?: number): void
  /** Clears scripts, recorded requests and counters. */
  reset(): void
  setModels(models: ReadonlyArray<string>): void
  stop(): Promise<void>
}

export const DEFAULT_MODELS: ReadonlyArray<string> = ["gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo-instruct", "text-embedding-3-small"]
const DEFAULT_ANSWER = "Hello from fake upstream"

type Json = Record<string, unknown>
const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)
const encoder = new TextEncoder()

export const openAIError = (message: string, type: string, code: string | null, param: string | null = null) => ({
  error: { message, type, param, code },
})

const defaultErrorBody = (status: number) => {
  const [type, code] =
    status === 429 ? ["requests", "rate_limit_exceeded"]
    : status === 401 ? ["invalid_request_error", "invalid_api_key"]
    : status >= 500 ? ["server_error", null]
    : ["invalid_request_error", null]
  return openAIError(`Fake upstream scripted error: status ${status}`, type, code)
}

/** Resolves true after ms, or false as soon as signal aborts (timer cleared). ms = Infinity waits for the abort only. */
const sleep = (ms: number, signal: AbortSignal): Promise<boolean> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve(false)
    let timer: ReturnType<typeof setTimeout> | undefined
    const onAbort = () => {
      clearTimeout(timer)
      resolve(false)
    }
    signal.addEventListener("abort", onAbort, { once: true })
    if (Number.isFinite(ms)) {
      timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort)
        resolve(true)
      }, ms)
    }
  })

/** Text of a chat message content (string or array of parts). */
const contentText = (content: unknown): string =>
  typeof content === "string" ? content
  : Array.isArray(content) ? content.map((p) => (isRecord(p) && typeof p.text === "string" ? p.text : "")).join("")
  : ""

const answerFor = (prompt: string): string => (prompt.startsWith("ECHO:") ? prompt.slice(5).trimStart() : DEFAULT_ANSWER)

/** Words with their leading whitespace, so that joining the pieces rebuilds the text; cycled up to `count`. */
const pieces = (text: string, count?: number): string[] => {
  const words = text.match(/\s*\S+/g) ?? []
  if (count === undefined || words.length === 0) return words
  return Array.from({ length: count }, (_, i) => {
    const w = words[i % words.length] ?? ""
    return i >= words.length && i % words.length === 0 ? ` ${w.trimStart()}` : w
  })
}

const tokens = (chars: number) => Math.ceil(chars / 4)

/** Deterministic vector; values are k/256 so they survive a float32 round trip exactly. */
const embed = (text: string, dims: number): number[] =>
  Array.from({ length: dims }, (_, j) => {
    let h = 2166136261 ^ j
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
    return (((h >>> 0) % 512) - 256) / 256
  })

const json = (status: number, body: unknown, headers: Record<string, string>) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

interface Ctx {
  readonly signal: AbortSignal
  readonly finish: (aborted: boolean) => void
  readonly behaviour: Behaviour
  readonly headers: Record<string, string>
  readonly seq: number
}

const CUT_GRACE_MS = 15

type Step = { kind: "event"; text: string } | { kind: "cut" } | { kind: "stall" } | { kind: "end" }

/** Streams `steps`, one enqueue per pull (one write per event), with chunkDelayMs between events. */
const streamResponse = (ctx: Ctx, steps: ReadonlyArray<Step>, contentType: string, status = 200) => {
  let i = 0
  const delay = ctx.behaviour.chunkDelayMs ?? 0
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const step = steps[i++] ?? { kind: "end" }
      if (i > 1 && delay > 0 && !(await sleep(delay, ctx.signal))) return
      if (ctx.signal.aborted) return
      switch (step.kind) {
        case "event":
          return controller.enqueue(encoder.encode(step.text))
        case "cut":
          // Let Bun flush the previous events and the client read them: erroring before the
          // headers are written makes fetch reject outright, and data still unread by the client
          // when the RST lands is lost (seen with 0ms/setImmediate; 1ms was enough locally).
          if (i > 1 && !(await sleep(CUT_GRACE_MS, ctx.signal))) return
          ctx.finish(false)
          return controller.error(undefined) // undefined: Bun resets the socket without logging
        case "stall":
          await sleep(Infinity, ctx.signal)
          return
        case "end":
          ctx.finish(false)
          return controller.close()
      }
    },
    cancel() {
      ctx.finish(true)
    },
  })
  return new Response(stream, { status, headers: { "content-type": contentType, ...ctx.headers } })
}

/** Non-stream success: honours cut/stall/malformed, otherwise plain JSON. */
const finalResponse = (ctx: Ctx, body: unknown): Response => {
  const b = ctx.behaviour
  if (b.cutAfterChunks !== undefined) return streamResponse(ctx, [{ kind: "cut" }], "application/json")
  if (b.stallAfterChunks !== undefined) return streamResponse(ctx, [{ kind: "event", text: '{"id":' }, { kind: "stall" }], "application/json")
  ctx.finish(false)
  if (b.malformedAfterChunks !== undefined) return new Response("{not json", { headers: { "content-type": "application/json", ...ctx.headers } })
  return json(200, body, ctx.headers)
}

/** Shared by chat and legacy completions. */
const generation = (ctx: Ctx, req: Json, kind: "chat" | "text") => {
  const b = ctx.behaviour
  const model = typeof req.model === "string" ? req.model : "unknown"
  let promptChars = 0
  let promptText = ""
  if (kind === "chat") {
    const messages = Array.isArray(req.messages) ? req.messages.filter(isRecord) : []
    for (const m of messages) promptChars += contentText(m.content).length
    const lastUser = messages.filter((m) => m.role === "user").at(-1)
    promptText = lastUser ? contentText(lastUser.content) : ""
  } else {
    const prompts = Array.isArray(req.prompt) ? req.prompt.map(String) : [String(req.prompt ?? "")]
    promptChars = prompts.reduce((n, p) => n + p.length, 0)
    promptText = prompts[0] ?? ""
  }
  const parts = pieces(answerFor(promptText), b.chunks)
  const prompt = Math.max(tokens(promptChars), b.cachedTokens ?? 0)
  const usage = {
    prompt_tokens: prompt,
    completion_tokens: parts.length,
    total_tokens: prompt + parts.length,
    prompt_tokens_details: { cached_tokens: b.cachedTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  }
  const id = kind === "chat" ? `chatcmpl-fake-${ctx.seq}` : `cmpl-fake-${ctx.seq}`
  const created = Math.floor(Date.now() / 1000)
  const base = { id, object: kind === "chat" ? "chat.completion" : "text_completion", created, model, system_fingerprint: "fp_fake" }

  if (req.stream !== true) {
    const content = parts.join("")
    const choice =
      kind === "chat"
        ? { index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" }
        : { index: 0, text: content, logprobs: null, finish_reason: "stop" }
    return finalResponse(ctx, { ...base, choices: [choice], ...(b.noUsage ? {} : { usage }) })
  }

  const includeUsage = isRecord(req.stream_options) && req.stream_options.include_usage === true
  const chunkBase = { ...base, object: kind === "chat" ? "chat.completion.chunk" : "text_completion" }
  const event = (choices: unknown[], extra: Json = includeUsage ? { usage: null } : {}): Step => ({
    kind: "event",
    text: `data: ${JSON.stringify({ ...chunkBase, choices, ...extra })}\n\n`,
  })
  const choice = (content: string, finish: string | null, role = false) =>
    kind === "chat"
      ? { index: 0, delta: finish ? {} : { ...(role ? { role: "assistant" } : {}), content }, logprobs: null, finish_reason: finish }
      : { index: 0, text: content, logprobs: null, finish_reason: finish }

  const steps: Step[] = kind === "chat" ? [event([choice("", null, true)])] : []
  for (const [n, part] of parts.entries()) {
    if (n === b.cutAfterChunks) return streamResponse(ctx, [...steps, { kind: "cut" }], "text/event-stream")
    if (n === b.stallAfterChunks) return streamResponse(ctx, [...steps, { kind: "stall" }], "text/event-stream")
    if (n === b.malformedAfterChunks) return streamResponse(ctx, [...steps, { kind: "event", text: "data: {not json\n\n" }], "text/event-stream")
    steps.push(event([choice(part, null)]))
  }
  // N >= number of chunks: the fault happens right after the last content chunk.
  if (b.cutAfterChunks !== undefined) return streamResponse(ctx, [...steps, { kind: "cut" }], "text/event-stream")
  if (b.stallAfterChunks !== undefined) return streamResponse(ctx, [...steps, { kind: "stall" }], "text/event-stream")
  if (b.malformedAfterChunks !== undefined) return streamResponse(ctx, [...steps, { kind: "event", text: "data: {not json\n\n" }], "text/event-stream")
  steps.push(event([choice("", "stop")]))
  if (includeUsage && !b.noUsage) steps.push(event([], { usage }))
  steps.push({ kind: "event", text: "data: [DONE]\n\n" })
  return streamResponse(ctx, steps, "text/event-stream")
}

const embeddings = (ctx: Ctx, req: Json) => {
  const raw = req.input
  const inputs: unknown[] = Array.isArray(raw) && !(raw.length > 0 && typeof raw[0] === "number") ? raw : [raw]
  const texts = inputs.map((x) => (typeof x === "string" ? x : JSON.stringify(x)))
  const dims = typeof req.dimensions === "number" && req.dimensions > 0 ? req.dimensions : 8
  const base64 = req.encoding_format === "base64"
  const data = texts.map((t, index) => {
    const vector = embed(t, dims)
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector
    return { object: "embedding", index, embedding }
  })
  const prompt = tokens(texts.reduce((n, t) => n + t.length, 0))
  const usage = { prompt_tokens: prompt, total_tokens: prompt }
  return finalResponse(ctx, { object: "list", data, model: req.model, ...(ctx.behaviour.noUsage ? {} : { usage }) })
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

  const handle = async (req: Request, ctx: Ctx, path: string, body: unknown): Promise<Response> => {
    const b = ctx.behaviour
    const h = ctx.headers
    if (b.hang) await sleep(Infinity, ctx.signal)
    if (b.latencyMs && b.latencyMs > 0) await sleep(b.latencyMs, ctx.signal)
    if (ctx.signal.aborted) return new Response(null, { status: 499 })
    if (b.status !== undefined || b.body !== undefined) {
      const status = b.status ?? 200
      ctx.finish(false)
      return json(status, b.body ?? defaultErrorBody(status), h)
    }
    const route = `${req.method} ${path}`
    if (route === "GET /v1/models") {
      ctx.finish(false)
      return json(200, { object: "list", data: models.map((id) => ({ id, object: "model", created: 1700000000, owned_by: "fake" })) }, h)
    }
    const known = ["POST /v1/chat/completions", "POST /v1/completions", "POST /v1/embeddings"]
    if (!known.includes(route)) {
      ctx.finish(false)
      return json(404, openAIError(`Invalid URL (${route})`, "invalid_request_error", null), h)
    }
    if (!isRecord(body)) {
      ctx.finish(false)
      return json(400, openAIError("We could not parse the JSON body of your request.", "invalid_request_error", null), h)
    }
    if (typeof body.model === "string" && body.model.includes("no-such-model")) {
      ctx.finish(false)
      return json(404, openAIError(`The model \`${body.model}\` does not exist`, "invalid_request_error", "model_not_found"), h)
    }
    if (path === "/v1/embeddings") return embeddings(ctx, body)
    return generation(ctx, body, path === "/v1/chat/completions" ? "chat" : "text")
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    port: options.port ?? 0,
    idleTimeout: 0,
    fetch: async (req) => {
      const path = new URL(req.url).pathname
      const headers: Record<string, string> = {}
      req.headers.forEach((v, k) => (headers[k.toLowerCase()] = v))
      const text = await req.text()
      let body: unknown = text === "" ? undefined : text
      try {
        if (text !== "") body = JSON.parse(text) as unknown
      } catch {
        // keep the raw text
      }
      requests.push({ method: req.method, path, headers, body, at: Date.now() })
      const n = ++seq

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

      const rid = { "x-request-id": `req_fake_${n}` }
      if (options.keys) {
        const auth = headers.authorization ?? ""
        if (!options.keys.some((k) => auth === `Bearer ${k}`)) {
          finish(false)
          const msg = "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
          return json(401, openAIError(msg, "invalid_request_error", "invalid_api_key"), rid)
        }
      }
      const behaviour = isRecord(body) ? takeScript(body.model) : {}
      return handle(req, { signal: ac.signal, finish, behaviour, headers: { ...rid, ...behaviour.headers }, seq: n }, path, body)
    },
  })

  const port = server.port ?? options.port ?? 0
  return {
    url: `${options.tls === undefined ? "http" : "https"}://127.0.0.1:${port}/v1`,
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
