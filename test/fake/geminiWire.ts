/** Gemini's wire format: generateContent, streamGenerateContent?alt=sse, errors. */
import { answerPlan } from "./answerPlan.ts"
import { type Ctx, finalResponse, isRecord, type Json, reply, sseResponse, type Step } from "./wire.ts"

const statusFor = (code: number) =>
  code === 400 ? "INVALID_ARGUMENT"
  : code === 401 ? "UNAUTHENTICATED"
  : code === 403 ? "PERMISSION_DENIED"
  : code === 404 ? "NOT_FOUND"
  : code === 429 ? "RESOURCE_EXHAUSTED"
  : code === 503 ? "UNAVAILABLE"
  : code === 504 ? "DEADLINE_EXCEEDED"
  : code >= 500 ? "INTERNAL"
  : "INVALID_ARGUMENT"

const errorBody = (code: number, message: string, details?: ReadonlyArray<Json>) => ({
  error: { code, message, status: statusFor(code), ...(details ? { details } : {}) },
})

const errorFor = (code: number) => errorBody(code, `Fake upstream scripted error: status ${code}`)

/** What Google answers for a wrong key: a 400, told apart from other 400s only by the ErrorInfo reason. */
const keyInvalid = () =>
  errorBody(400, "API key not valid. Please pass a valid API key.", [
    { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com", metadata: { service: "generativelanguage.googleapis.com" } },
  ])
const keyMissing = () =>
  errorBody(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")

/** Text parts (thoughts excluded), and function responses as their JSON. */
const partText = (p: unknown): string =>
  !isRecord(p) || p.thought === true ? ""
  : typeof p.text === "string" ? p.text
  : isRecord(p.functionResponse) ? JSON.stringify(p.functionResponse.response ?? {})
  : ""
const partsOf = (content: unknown): unknown[] => (isRecord(content) && Array.isArray(content.parts) ? content.parts : [])
const userText = (content: unknown) =>
  partsOf(content)
    .map((p) => (isRecord(p) && p.thought !== true && typeof p.text === "string" ? p.text : ""))
    .join("")

/** `stream`: streamGenerateContent (SSE); the model comes from the URL path. */
const generate = (ctx: Ctx, model: string, req: Json, stream: boolean): Response => {
  const b = ctx.behaviour
  if (!Array.isArray(req.contents)) return reply(ctx, 400, errorBody(400, "* GenerateContentRequest.contents: contents is not specified"))
  const contents = req.contents.filter(isRecord)
  const chars = [req.systemInstruction, ...contents].reduce((n: number, c) => n + partsOf(c).map(partText).join("").length, 0)
  const lastUser = contents.filter((c) => (c.role === undefined || c.role === "user") && userText(c) !== "").at(-1)
  const plan = answerPlan(chars, lastUser === undefined ? "" : userText(lastUser), b)
  const usage = (candidates: number, thoughts: number) => ({
    promptTokenCount: plan.promptTokens,
    candidatesTokenCount: candidates,
    totalTokenCount: plan.promptTokens + candidates + thoughts,
    ...(plan.cachedTokens > 0 ? { cachedContentTokenCount: plan.cachedTokens } : {}),
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
  })
  const call = (c: (typeof plan.toolCalls)[number]) => ({
    functionCall: { ...(c.id === undefined ? {} : { id: c.id }), name: c.name, args: c.arguments },
    // Real signatures are opaque standard base64.
    thoughtSignature: btoa(`sig-${c.name}`),
  })
  const response = (parts: ReadonlyArray<Json>, last: boolean, candidates: number, thoughts: number) => ({
    candidates: [{ content: { parts, role: "model" }, ...(last ? { finishReason: "STOP" } : {}), index: 0 }],
    ...(b.noUsage ? {} : { usageMetadata: usage(candidates, thoughts) }),
    modelVersion: model,
    responseId: `fake-${ctx.seq}`,
  })

  if (!stream) {
    const parts = [
      ...(plan.reasoning.length > 0 ? [{ text: plan.reasoning.join(""), thought: true }] : []),
      ...(plan.toolCalls.length > 0 ? plan.toolCalls.map(call) : [{ text: plan.text.join("") }]),
    ]
    return finalResponse(ctx, response(parts, true, plan.answerTokens, plan.reasoningTokens))
  }

  // One chunk per reasoning piece, text piece or whole function call, usage cumulative; the last one
  // carries finishReason, as Gemini sends it (so a fault after every chunk comes after a complete answer).
  const chunks: Array<{ part: Json; answer: number; thought: number }> = [
    ...plan.reasoning.map((r) => ({ part: { text: r, thought: true }, answer: 0, thought: 1 })),
    ...plan.text.map((t) => ({ part: { text: t }, answer: 1, thought: 0 })),
    ...plan.toolCalls.map((c) => ({ part: call(c), answer: c.tokens, thought: 0 })),
  ]
  if (chunks.length === 0) chunks.push({ part: { text: "" }, answer: 0, thought: 0 })
  let answer = 0
  let thought = 0
  const steps = chunks.map((c, i): Step => {
    answer += c.answer
    thought += c.thought
    const body = response([c.part], i === chunks.length - 1, answer, thought)
    return { kind: "event", text: `data: ${JSON.stringify(body)}\r\n\r\n`, mark: "content" }
  })
  return sseResponse(ctx, steps, "data: {not json\r\n\r\n")
}

const notFound = (model: string) =>
  errorBody(404, `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`)

export const geminiWire = { errorBody, errorFor, keyInvalid, keyMissing, notFound, generate }
