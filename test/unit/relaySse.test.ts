import { describe, expect, test } from "bun:test"
import { openaiPassthrough } from "../../src/streams/openaiPassthrough.ts"
import { type RelayOptions, relaySse, type StreamOutcome } from "../../src/streams/relaySse.ts"

const encoder = new TextEncoder()

const chunk = (content: string) =>
  `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}],"usage":null}\n\n`
const finish = `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n`
const usage = `data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10,"prompt_tokens_details":{"cached_tokens":2}}}\n\n`
const done = "data: [DONE]\n\n"

const relay = (
  body: ReadableStream<Uint8Array>,
  options: Omit<RelayOptions, "captureChars" | "totalTimedOut"> & { clientWantsUsage: boolean; captureChars?: number; totalTimedOut?: () => boolean }
) => relaySse(body, openaiPassthrough(options.clientWantsUsage), { captureChars: 0, totalTimedOut: () => false, ...options })

type Part = string | Uint8Array | Error | { wait: number }

/** An upstream body that yields the parts in order; an Error part makes the read fail (a cut connection). */
const upstream = (parts: ReadonlyArray<Part>) => {
  let i = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const part = parts[i++]
      if (part === undefined) return controller.close()
      if (part instanceof Error) return controller.error(part)
      if (part instanceof Uint8Array) return controller.enqueue(part)
      if (typeof part === "string") return controller.enqueue(encoder.encode(part))
      await Bun.sleep(part.wait)
      controller.enqueue(encoder.encode(""))
    }
  }, { highWaterMark: 0 })
}

const run = async (parts: ReadonlyArray<Part>, options: { clientWantsUsage?: boolean; idleTimeoutMs?: number } = {}) => {
  let outcome: StreamOutcome | undefined
  let aborted = 0
  const stream = relay(upstream(parts), {
    clientWantsUsage: options.clientWantsUsage ?? false,
    idleTimeoutMs: options.idleTimeoutMs ?? 1000,
    abortUpstream: () => { aborted++ },
    onEnd: (o) => { outcome = o }
  })
  const text = await new Response(stream).text()
  return { text, outcome: outcome!, aborted }
}

describe("relaySse with the OpenAI passthrough relay", () => {
  test("forwards events unchanged and removes the usage-only chunk the client did not ask for", async () => {
    const { text, outcome } = await run([chunk("Hel"), chunk("lo"), finish, usage, done])
    expect(text).toBe(chunk("Hel") + chunk("lo") + finish + done)
    expect(outcome.status).toBe(200)
    expect(outcome.usage).toEqual({ promptTokens: 7, completionTokens: 3, cachedTokens: 2 })
    expect(outcome.completionChars).toBe(5)
    expect(outcome.firstByteAt).toBeNumber()
  })

  test("keeps the usage chunk when the client asked for it", async () => {
    const { text } = await run([chunk("a"), finish, usage, done], { clientWantsUsage: true })
    expect(text).toBe(chunk("a") + finish + usage + done)
  })

  test("reassembles events split across reads, even inside a multi-byte character", async () => {
    const bytes = encoder.encode(chunk("héllo wörld") + finish + done)
    const cut = encoder.encode(chunk("h")).length + 1
    const { text, outcome } = await run([bytes.slice(0, 5), bytes.slice(5, cut), bytes.slice(cut)])
    expect(text).toBe(chunk("héllo wörld") + finish + done)
    expect(outcome.status).toBe(200)
  })

  test("accepts CRLF line endings and passes comments through", async () => {
    const { text, outcome } = await run([": keep-alive\r\n\r\n", chunk("x").replaceAll("\n", "\r\n"), finish, done])
    expect(text).toBe(": keep-alive\n\n" + chunk("x") + finish + done)
    expect(outcome.status).toBe(200)
  })

  test("a CRLF split across two reads is still one line break, not an event boundary", async () => {
    // One event whose data spans two lines; the read boundary falls between its CR and LF.
    const event = 'data: {"id":"c1","choices":[],\r\ndata: "x":1}\r\n\r\n'
    const cut = event.indexOf("\r\n") + 1
    const { text, outcome } = await run([event.slice(0, cut), event.slice(cut), finish, done])
    expect(text).toBe(event.replaceAll("\r\n", "\n") + finish + done)
    expect(outcome.status).toBe(200)
  })

  test("a broken upstream ends the stream with an error event, never a silent success", async () => {
    const { text, outcome, aborted } = await run([chunk("a"), new Error("socket reset")])
    expect(text.startsWith(chunk("a"))).toBe(true)
    expect(text).not.toContain("[DONE]")
    const event = JSON.parse(text.slice(chunk("a").length).replace(/^data: /, ""))
    expect(event.error.code).toBe("upstream_stream_interrupted")
    expect(outcome.status).toBe(502)
    expect(aborted).toBe(1)
  })

  test("an upstream that closes before finishing is an error, not a truncation passed off as success", async () => {
    const { text, outcome } = await run([chunk("a")])
    expect(text).toContain('"upstream_stream_interrupted"')
    expect(text).not.toContain("[DONE]")
    expect(outcome.status).toBe(502)
  })

  test("a finished stream without [DONE] gets one", async () => {
    const { text, outcome } = await run([chunk("a"), finish])
    expect(text).toBe(chunk("a") + finish + done)
    expect(outcome.status).toBe(200)
  })

  test("events before a malformed one in the same read still reach the client", async () => {
    const { text, outcome } = await run([chunk("a") + chunk("b") + "data: {not json\n\n" + finish + done])
    expect(text.startsWith(chunk("a") + chunk("b"))).toBe(true)
    expect(text).toContain('"upstream_protocol_error"')
    expect(outcome.status).toBe(502)
  })

  test("settles as 200 at [DONE] even when the client hangs up before the upstream closes", async () => {
    let outcome: StreamOutcome | undefined
    const stream = relay(upstream([chunk("a") + finish + done, { wait: 200 }]), {
      clientWantsUsage: false,
      idleTimeoutMs: 5000,
      abortUpstream: () => {},
      onEnd: (o) => { outcome = o }
    })
    const reader = stream.getReader()
    const decoder = new TextDecoder()
    let text = ""
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value)
    await reader.cancel()
    expect(text).toBe(chunk("a") + finish + done)
    expect(outcome?.status).toBe(200)
  })

  test("nothing after [DONE] is forwarded", async () => {
    const { text } = await run([chunk("a") + finish + done + chunk("late")])
    expect(text).toBe(chunk("a") + finish + done)
  })

  test("a malformed event ends the stream with a protocol error", async () => {
    const { text, outcome } = await run([chunk("a"), "data: {not json\n\n", finish, done])
    expect(text).toContain('"upstream_protocol_error"')
    expect(text).not.toContain("[DONE]")
    expect(outcome.status).toBe(502)
  })

  test("an upstream that goes quiet past the idle timeout fails the stream with 504", async () => {
    let outcome: StreamOutcome | undefined
    let aborted = 0
    const controller = new AbortController()
    const silent = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(encoder.encode(chunk("a")))
        controller.signal.addEventListener("abort", () => c.error(new Error("aborted")))
      }
    })
    const stream = relay(silent, {
      clientWantsUsage: false,
      idleTimeoutMs: 50,
      abortUpstream: () => { aborted++; controller.abort() },
      onEnd: (o) => { outcome = o }
    })
    const text = await new Response(stream).text()
    expect(text).toContain('"upstream_idle_timeout"')
    expect(outcome?.status).toBe(504)
    expect(aborted).toBeGreaterThan(0)
  })

  test("a client that cancels aborts the upstream and settles as 499 with what was seen", async () => {
    let outcome: StreamOutcome | undefined
    let aborted = 0
    const stream = relay(upstream([chunk("abcd"), { wait: 1000 }, finish, done]), {
      clientWantsUsage: false,
      idleTimeoutMs: 5000,
      abortUpstream: () => { aborted++ },
      onEnd: (o) => { outcome = o }
    })
    const reader = stream.getReader()
    await reader.read()
    await reader.cancel()
    expect(outcome?.status).toBe(499)
    expect(outcome?.completionChars).toBe(4)
    expect(outcome?.usage).toBeUndefined()
    expect(aborted).toBe(1)
  })

  test("captures what the client was sent, cut at the limit, only when asked", async () => {
    let outcome: StreamOutcome | undefined
    const stream = relay(upstream([chunk("a"), finish, done]), {
      clientWantsUsage: false,
      idleTimeoutMs: 1000,
      abortUpstream: () => {},
      onEnd: (o) => { outcome = o },
      captureChars: 20
    })
    await new Response(stream).text()
    expect(outcome?.captured).toBe(chunk("a").slice(0, 20))
    const { outcome: off } = await run([chunk("a"), finish, done])
    expect(off.captured).toBeUndefined()
  })

  test("a read cut by the total timeout ends the stream with a 504 of its own", async () => {
    let outcome: StreamOutcome | undefined
    const stream = relay(upstream([chunk("a"), new Error("aborted")]), {
      clientWantsUsage: false,
      idleTimeoutMs: 1000,
      abortUpstream: () => {},
      onEnd: (o) => { outcome = o },
      totalTimedOut: () => true
    })
    const text = await new Response(stream).text()
    expect(text).toContain('"upstream_total_timeout"')
    expect(outcome?.status).toBe(504)
  })
})
