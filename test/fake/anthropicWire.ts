/** Anthropic's wire format: Messages (JSON and SSE), count_tokens, models, errors. */
import { answerPlan, tokens } from "./answerPlan.ts"
import { contentText, type Ctx, finalResponse, isRecord, type Json, reply, sseResponse, type Step } from "./wire.ts"

const errorBody = (type: string, message: string) => ({ type: "error", error: { type, message } })

const typeFor = (status: number) =>
  status === 400 ? "invalid_request_error"
  : status === 401 ? "authentication_error"
  : status === 403 ? "permission_error"
  : status === 404 ? "not_found_error"
  : status === 413 ? "request_too_large"
  : status === 429 ? "rate_limit_error"
  : status === 529 ? "overloaded_error"
  : status >= 500 ? "api_error"
  : "invalid_request_error"

const errorFor = (status: number) => errorBody(typeFor(status), `Fake upstream scripted error: status ${status}`)

/** Text blocks, and tool results as their text (what an OpenAI `tool` message would count). */
const blockText = (block: unknown): string =>
  !isRecord(block) ? ""
  : block.type === "text" && typeof block.text === "string" ? block.text
  : block.type === "tool_result" ? contentText(block.content)
  : ""
const messageText = (content: unknown): string => (Array.isArray(content) ? content.map(blockText).join("") : contentText(content))
const hasText = (content: unknown) => typeof content === "string" || (Array.isArray(content) && content.some((b) => isRecord(b) && b.type === "text"))

/** Characters of the system prompt and all messages. */
const promptChars = (req: Json, messages: ReadonlyArray<Json>) =>
  contentText(req.system).length + messages.reduce((n, m) => n + messageText(m.content).length, 0)

const messagesOf = (req: Json): Json[] | undefined => (Array.isArray(req.messages) ? req.messages.filter(isRecord) : undefined)

const messages = (ctx: Ctx, req: Json): Response => {
  const b = ctx.behaviour
  const all = messagesOf(req)
  if (all === undefined) return reply(ctx, 400, errorBody("invalid_request_error", "messages: Field required"))
  if (typeof req.max_tokens !== "number") return reply(ctx, 400, errorBody("invalid_request_error", "max_tokens: Field required"))
  const lastUser = all.filter((m) => m.role === "user" && hasText(m.content)).at(-1)
  const userText = lastUser === undefined ? "" : contentText(lastUser.content)
  const plan = answerPlan(promptChars(req, all), userText, b)
  const usage = {
    input_tokens: plan.promptTokens - plan.cachedTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: plan.cachedTokens,
    output_tokens: plan.answerTokens + plan.reasoningTokens,
    service_tier: "standard",
  }
  const toolId = (c: { index: number; id: string | undefined }) => c.id ?? `toolu_fake_${ctx.seq}_${c.index}`
  const stopReason = plan.toolCalls.length > 0 ? "tool_use" : "end_turn"
  const message = {
    id: `msg_fake_${ctx.seq}`,
    type: "message",
    role: "assistant",
    model: typeof req.model === "string" ? req.model : "unknown",
    content: [
      ...(plan.reasoning.length > 0 ? [{ type: "thinking", thinking: plan.reasoning.join(""), signature: "sig-think" }] : []),
      ...(plan.toolCalls.length > 0
        ? plan.toolCalls.map((c) => ({ type: "tool_use", id: toolId(c), name: c.name, input: c.arguments }))
        : [{ type: "text", text: plan.text.join("") }]),
    ],
    stop_reason: stopReason,
    stop_sequence: null,
  }
  if (req.stream !== true) return finalResponse(ctx, b.noUsage ? message : { ...message, usage })

  const ev = (type: string, data: Json, mark?: "content" | "end"): Step => ({
    kind: "event",
    text: `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`,
    ...(mark ? { mark } : {}),
  })
  const delta = (index: number, d: Json) => ev("content_block_delta", { index, delta: d }, "content")
  const blocks: Array<{ start: Json; deltas: Step[] }> = []
  if (plan.reasoning.length > 0) {
    const index = blocks.length
    blocks.push({
      start: { type: "thinking", thinking: "", signature: "" },
      deltas: [
        ...plan.reasoning.map((r) => delta(index, { type: "thinking_delta", thinking: r })),
        ev("content_block_delta", { index, delta: { type: "signature_delta", signature: "sig-think" } }),
      ],
    })
  }
  if (plan.toolCalls.length === 0) {
    const index = blocks.length
    blocks.push({ start: { type: "text", text: "" }, deltas: plan.text.map((t) => delta(index, { type: "text_delta", text: t })) })
  }
  for (const c of plan.toolCalls) {
    const index = blocks.length
    blocks.push({
      start: { type: "tool_use", id: toolId(c), name: c.name, input: {} },
      deltas: c.fragments.map((f) => delta(index, { type: "input_json_delta", partial_json: f })),
    })
  }
  // message_start reports output_tokens 1 and message_delta the cumulative count, as Anthropic does.
  const steps: Step[] = [
    ev("message_start", { message: { ...message, content: [], stop_reason: null, ...(b.noUsage ? {} : { usage: { ...usage, output_tokens: 1 } }) } }),
    ...blocks.flatMap((block, index) => [
      ev("content_block_start", { index, content_block: block.start }),
      ...(index === 0 ? [ev("ping", {})] : []),
      ...block.deltas,
      ev("content_block_stop", { index }),
    ]),
    ev("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, ...(b.noUsage ? {} : { usage: { output_tokens: usage.output_tokens } }) }, "end"),
    ev("message_stop", {}),
  ]
  const se = b.streamError
  const streamError = se === undefined ? [] : [{ after: se.afterChunks, steps: [ev("error", { error: { type: se.type, message: se.message } })] }]
  return sseResponse(ctx, steps, "event: content_block_delta\ndata: {not json\n\n", streamError)
}

const countTokens = (ctx: Ctx, req: Json): Response => {
  const all = messagesOf(req)
  if (all === undefined) return reply(ctx, 400, errorBody("invalid_request_error", "messages: Field required"))
  return finalResponse(ctx, { input_tokens: tokens(promptChars(req, all)) })
}

const models = (ids: ReadonlyArray<string>) => ({
  data: ids.map((id) => ({ type: "model", id, display_name: id, created_at: "2025-01-01T00:00:00Z" })),
  has_more: false,
  first_id: ids[0] ?? null,
  last_id: ids.at(-1) ?? null,
})

export const anthropicWire = { errorBody, errorFor, messages, countTokens, models }
