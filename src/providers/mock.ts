import { Predicate } from "effect"
import { estimateTokens } from "../domain/estimateTokens.ts"
import { classifyOpenAi, openaiCompatible } from "./openaiCompatible.ts"
import type { JsonObject, Provider } from "./Provider.ts"

const chunkDelayMs = 5

const textOf = (content: unknown): string =>
  Predicate.isString(content)
    ? content
    : Array.isArray(content)
    ? content.map((part) => Predicate.isObject(part) && "text" in part && Predicate.isString(part.text) ? part.text : "").join("")
    : ""

const messagesOf = (body: JsonObject): Array<{ role: string; text: string }> =>
  Array.isArray(body.messages)
    ? body.messages.map((m) => ({
      role: Predicate.isObject(m) && "role" in m && Predicate.isString(m.role) ? m.role : "",
      text: Predicate.isObject(m) && "content" in m ? textOf(m.content) : ""
    }))
    : []

/** Deterministic: `ECHO:<text>` answers exactly <text>; anything else gets a fixed sentence naming what was asked. */
const answerTo = (prompt: string) =>
  prompt.startsWith("ECHO:")
    ? prompt.slice(5)
    : `This is a mock reply from Sluice to: ${prompt.slice(0, 80)}`

const words = (text: string) => text.match(/\S+\s*|\s+/g) ?? [""]

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } })

const usageOf = (prompt: string, completion: string) => {
  const promptTokens = estimateTokens(prompt)
  const completionTokens = estimateTokens(completion)
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0 }
  }
}

const sse = (events: Array<unknown>, signal: AbortSignal) =>
  new Response(
    new ReadableStream<Uint8Array>({
      async start(controller) {
        const encoder = new TextEncoder()
        for (const event of [...events, "[DONE]"]) {
          if (signal.aborted) return
          controller.enqueue(encoder.encode(`data: ${event === "[DONE]" ? event : JSON.stringify(event)}\n\n`))
          await Bun.sleep(chunkDelayMs)
        }
        controller.close()
      }
    }),
    { headers: { "content-type": "text/event-stream" } }
  )

const embedding = (input: string, dimensions: number) => {
  const hash = Bun.hash(input)
  return Array.from({ length: dimensions }, (_, i) => Math.sin(Number(hash % 1000n) + i))
}

const serveGenerate = (body: JsonObject, kind: "chat" | "completions", signal: AbortSignal) => {
  const model = String(body.model)
  const prompt = kind === "chat"
    ? messagesOf(body).map((m) => m.text).join("\n")
    : Array.isArray(body.prompt) ? body.prompt.join("\n") : String(body.prompt ?? "")
  const last = kind === "chat" ? messagesOf(body).findLast((m) => m.role === "user")?.text ?? "" : prompt
  const answer = answerTo(last)
  const usage = usageOf(prompt, answer)
  const id = `mock-${crypto.randomUUID()}`
  const created = Math.floor(Date.now() / 1000)
  const object = kind === "chat" ? "chat.completion" : "text_completion"
  if (body.stream !== true) {
    const choice = kind === "chat"
      ? { index: 0, message: { role: "assistant", content: answer, refusal: null }, logprobs: null, finish_reason: "stop" }
      : { index: 0, text: answer, logprobs: null, finish_reason: "stop" }
    return json({ id, object, created, model, choices: [choice], usage })
  }
  const withUsage = Predicate.isObject(body.stream_options) && body.stream_options.include_usage === true
  const chunk = (choices: Array<unknown>, extra: JsonObject = {}) => ({
    id,
    object: kind === "chat" ? "chat.completion.chunk" : "text_completion",
    created,
    model,
    choices,
    ...(withUsage ? { usage: null } : {}),
    ...extra
  })
  const piece = (text: string, finish: string | null) =>
    kind === "chat"
      ? { index: 0, delta: finish === null ? { content: text } : {}, logprobs: null, finish_reason: finish }
      : { index: 0, text, logprobs: null, finish_reason: finish }
  const events: Array<unknown> = [
    ...(kind === "chat" ? [chunk([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }])] : []),
    ...words(answer).map((word) => chunk([piece(word, null)])),
    chunk([piece("", "stop")]),
    ...(withUsage ? [chunk([], { usage })] : [])
  ]
  return sse(events, signal)
}

const serveEmbeddings = (body: JsonObject) => {
  const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? "")]
  const dimensions = Predicate.isNumber(body.dimensions) ? body.dimensions : 8
  const tokens = inputs.reduce((sum, input) => sum + estimateTokens(input), 0)
  return json({
    object: "list",
    model: String(body.model),
    data: inputs.map((input, index) => {
      const vector = embedding(input, dimensions)
      return {
        object: "embedding",
        index,
        embedding: body.encoding_format === "base64"
          ? Buffer.from(new Float32Array(vector).buffer).toString("base64")
          : vector
      }
    }),
    usage: { prompt_tokens: tokens, total_tokens: tokens }
  })
}

const base = openaiCompatible({ baseUrl: "http://mock.sluice.invalid/v1" })

/** The built-in provider: answers in-process, in OpenAI's wire format, with real streaming and usage. */
export const mock: Provider = {
  ...base,
  classify: classifyOpenAi,
  serve: async (request) => {
    const path = new URL(request.url).pathname
    if (request.method === "GET") return json({ object: "list", data: [] })
    const body = (await request.json()) as JsonObject
    if (path.endsWith("/chat/completions")) return serveGenerate(body, "chat", request.signal)
    if (path.endsWith("/completions")) return serveGenerate(body, "completions", request.signal)
    if (path.endsWith("/embeddings")) return serveEmbeddings(body)
    return json({ error: { message: `Unknown path ${path}`, type: "invalid_request_error", param: null, code: null } }, 404)
  }
}
