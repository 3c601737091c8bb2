/** Helpers shared by the fake's three wire formats: responses, streams and fault injection. */
import type { Behaviour } from "./behaviour.ts"

export type Json = Record<string, unknown>
export const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)
const encoder = new TextEncoder()

/** Resolves true after ms, or false as soon as signal aborts (timer cleared). ms = Infinity waits for the abort only. */
export const sleep = (ms: number, signal: AbortSignal): Promise<boolean> =>
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

/** Text of a message content: a string, or the `text` of each part of an array. */
export const contentText = (content: unknown): string =>
  typeof content === "string" ? content
  : Array.isArray(content) ? content.map((p) => (isRecord(p) && typeof p.text === "string" ? p.text : "")).join("")
  : ""

export const json = (status: number, body: unknown, headers: Record<string, string>) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

export interface Ctx {
  readonly signal: AbortSignal
  readonly finish: (aborted: boolean) => void
  readonly behaviour: Behaviour
  readonly headers: Record<string, string>
  readonly seq: number
}

/** Answers with `body` and marks the request finished. */
export const reply = (ctx: Ctx, status: number, body: unknown): Response => {
  ctx.finish(false)
  return json(status, body, ctx.headers)
}

// Long enough for a gateway on a loaded (CPU-steal) host to have read what was sent before the reset.
const CUT_GRACE_MS = 100

/** `mark`: "content" for content chunks (what faults count), "end" on the first event of the closing sequence. */
export type Step = { kind: "event"; text: string; mark?: "content" | "end" } | { kind: "cut" } | { kind: "stall" } | { kind: "end" }

/** Streams `steps`, one enqueue per pull (one write per event), with chunkDelayMs between events. */
export const streamResponse = (ctx: Ctx, steps: ReadonlyArray<Step>, contentType: string) => {
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
  return new Response(stream, { status: 200, headers: { "content-type": contentType, ...ctx.headers } })
}

/** Non-stream success: honours cut/stall/malformed, otherwise plain JSON. */
export const finalResponse = (ctx: Ctx, body: unknown): Response => {
  const b = ctx.behaviour
  if (b.cutAfterChunks !== undefined) return streamResponse(ctx, [{ kind: "cut" }], "application/json")
  if (b.stallAfterChunks !== undefined) return streamResponse(ctx, [{ kind: "event", text: '{"id":' }, { kind: "stall" }], "application/json")
  ctx.finish(false)
  if (b.malformedAfterChunks !== undefined) return new Response("{not json", { headers: { "content-type": "application/json", ...ctx.headers } })
  return json(200, body, ctx.headers)
}

/** A fault: what replaces the rest of the stream once `after` content chunks were sent. */
export interface Fault {
  readonly after: number | undefined
  readonly steps: ReadonlyArray<Step>
}

/** The steps up to the earliest fault (ties: the first listed), then that fault's steps; all of them if none applies. */
const withFault = (steps: ReadonlyArray<Step>, faults: ReadonlyArray<Fault>): ReadonlyArray<Step> => {
  let chosen: { after: number; steps: ReadonlyArray<Step> } | undefined
  for (const f of faults) if (f.after !== undefined && (chosen === undefined || f.after < chosen.after)) chosen = { after: f.after, steps: f.steps }
  if (chosen === undefined) return steps
  const content = steps.flatMap((s, i) => (s.kind === "event" && s.mark === "content" ? [i] : []))
  const last = content.at(-1)
  const end = steps.findIndex((s) => s.kind === "event" && s.mark === "end")
  const at = content[chosen.after] ?? (last !== undefined ? last + 1 : end === -1 ? steps.length : end)
  return [...steps.slice(0, at), ...chosen.steps]
}

/** An SSE response of `steps` with the behaviour's cut/stall/malformed faults (`malformed`: the format's bad event) and `extra` ones. */
export const sseResponse = (ctx: Ctx, steps: ReadonlyArray<Step>, malformed: string, extra: ReadonlyArray<Fault> = []) => {
  const b = ctx.behaviour
  const faults: Fault[] = [
    { after: b.cutAfterChunks, steps: [{ kind: "cut" }] },
    { after: b.stallAfterChunks, steps: [{ kind: "stall" }] },
    { after: b.malformedAfterChunks, steps: [{ kind: "event", text: malformed }] },
    ...extra,
  ]
  return streamResponse(ctx, withFault(steps, faults), "text/event-stream")
}
