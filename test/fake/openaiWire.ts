/** OpenAI's wire formats: chat completions, legacy completions, embeddings, models, errors. */
import { answerPlan, tokens } from "./answerPlan.ts"
import { contentText, type Ctx, finalResponse, isRecord, type Json, sseResponse, type Step } from "./wire.ts"

export const openAIError = (message: string, type: string, code: string | null, param: string | null = null) => ({
  error: { message, type, param, code },
})

const errorFor = (status: number) => {
  const [type, code] =
    status === 429 ? ["requests", "rate_limit_exceeded"]
    : status === 401 ? ["invalid_request_error", "invalid_api_key"]
    : status >= 500 ? ["server_error", null]
    : ["invalid_request_error", null]
  return openAIError(`Fake upstream scripted error: status ${status}`, type, code)
}

/** Deterministic vector; values are k/256 so they survive a float32 round trip exactly. */
const embed = (text: string, dims: number): number[] =>
  Array.from({ length: dims }, (_, j) => {
    let h = 2166136261 ^ j
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
    return (((h >>> 0) % 512) - 256) / 256
  })

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
  const plan = answerPlan(promptChars, promptText, b, kind === "text")
  const completion = plan.answerTokens + plan.reasoningTokens
  const usage = {
    prompt_tokens: plan.promptTokens,
    completion_tokens: completion,
    total_tokens: plan.promptTokens + completion,
    prompt_tokens_details: { cached_tokens: plan.cachedTokens },
    completion_tokens_details: { reasoning_tokens: plan.reasoningTokens },
  }
  const toolId = (c: { index: number; id: string | undefined }) => c.id ?? `call_fake_${ctx.seq}_${c.index}`
  const finishReason = plan.toolCalls.length > 0 ? "tool_calls" : "stop"
  const id = kind === "chat" ? `chatcmpl-fake-${ctx.seq}` : `cmpl-fake-${ctx.seq}`
  const created = Math.floor(Date.now() / 1000)
  const base = { id, object: kind === "chat" ? "chat.completion" : "text_completion", created, model, system_fingerprint: "fp_fake" }

  if (req.stream !== true) {
    const content = plan.text.join("")
    const message = {
      role: "assistant",
      content: plan.toolCalls.length > 0 ? null : content,
      refusal: null,
      ...(plan.reasoning.length > 0 ? { reasoning_content: plan.reasoning.join("") } : {}),
      ...(plan.toolCalls.length > 0
        ? { tool_calls: plan.toolCalls.map((c) => ({ id: toolId(c), type: "function", function: { name: c.name, arguments: c.json } })) }
        : {}),
    }
    const choice =
      kind === "chat"
        ? { index: 0, message, logprobs: null, finish_reason: finishReason }
        : { index: 0, text: content, logprobs: null, finish_reason: "stop" }
    return finalResponse(ctx, { ...base, choices: [choice], ...(b.noUsage ? {} : { usage }) })
  }

  const includeUsage = isRecord(req.stream_options) && req.stream_options.include_usage === true
  const chunkBase = { ...base, object: kind === "chat" ? "chat.completion.chunk" : "text_completion" }
  const event = (choices: unknown[], mark?: "content" | "end", extra: Json = includeUsage ? { usage: null } : {}): Step => ({
    kind: "event",
    text: `data: ${JSON.stringify({ ...chunkBase, choices, ...extra })}\n\n`,
    ...(mark ? { mark } : {}),
  })
  const delta = (d: Json, finish: string | null = null) =>
    event([{ index: 0, delta: d, logprobs: null, finish_reason: finish }], finish ? "end" : "content")
  const text = (t: string, finish: string | null = null) => event([{ index: 0, text: t, logprobs: null, finish_reason: finish }], finish ? "end" : "content")

  const steps: Step[] =
    kind === "chat"
      ? [
          event([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]),
          ...plan.reasoning.map((r) => delta({ reasoning_content: r })),
          ...plan.text.map((t) => delta({ content: t })),
          ...plan.toolCalls.flatMap((c) => [
            delta({ tool_calls: [{ index: c.index, id: toolId(c), type: "function", function: { name: c.name, arguments: "" } }] }),
            ...c.fragments.map((f) => delta({ tool_calls: [{ index: c.index, function: { arguments: f } }] })),
          ]),
          delta({}, finishReason),
        ]
      : [...plan.text.map((t) => text(t)), text("", "stop")]
  if (includeUsage && !b.noUsage) steps.push(event([], undefined, { usage }))
  steps.push({ kind: "event", text: "data: [DONE]\n\n" })
  return sseResponse(ctx, steps, "data: {not json\n\n")
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

const models = (ids: ReadonlyArray<string>) => ({
  object: "list",
  data: ids.map((id) => ({ id, object: "model", created: 1700000000, owned_by: "fake" })),
})

export const openaiWire = { errorFor, generation, embeddings, models }
