import type { HeaderReader } from "../HeaderReader.ts"

/** Rate limit state an upstream reported on a response; durations in ms from the response. */
export interface ObservedLimits {
  readonly limitRequests?: number | undefined
  readonly remainingRequests?: number | undefined
  readonly resetRequestsMs?: number | undefined
  readonly limitTokens?: number | undefined
  readonly remainingTokens?: number | undefined
  readonly resetTokensMs?: number | undefined
  readonly retryAfterMs?: number | undefined
}

const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 }

const decimal = (text: string): number | undefined => (/^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined)

/** A Go duration as OpenAI writes them: "1s", "6m0s", "20ms", "1h2m3.5s". */
const duration = (text: string): number | undefined => {
  if (text === "0") return 0
  const part = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/y
  let total = 0
  while (part.lastIndex < text.length) {
    const match = part.exec(text)
    if (match === null) return undefined
    total += Number(match[1]) * (unitMs[match[2] ?? ""] ?? NaN)
  }
  return text === "" ? undefined : total
}

// Date.parse also takes odd strings ("12" is December 2001), so only the expected shapes get to it
const untilDate = (text: string, shape: RegExp, now: number): number | undefined => {
  const time = shape.test(text) ? Date.parse(text) : NaN
  return Number.isNaN(time) ? undefined : Math.max(0, time - now)
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i
const httpDate = /^[A-Za-z]+, [\w -]+ \d{2}:\d{2}:\d{2} GMT$/

const secondsOrDate = (text: string, now: number): number | undefined => {
  const seconds = decimal(text)
  return seconds === undefined ? untilDate(text, httpDate, now) : seconds * 1000
}

interface AnthropicLimit {
  readonly limit: number | undefined
  readonly remaining: number | undefined
  readonly resetMs: number | undefined
}

/**
 * What a response's headers say of the upstream's limits: OpenAI's `x-ratelimit-*`, Anthropic's
 * `anthropic-ratelimit-*` and `retry-after` / `retry-after-ms`. Unparseable values are left out.
 */
export const rateLimitHeaders = (headers: HeaderReader, now: number): ObservedLimits => {
  const read = <A>(name: string, parse: (text: string) => A | undefined): A | undefined => {
    const text = headers.get(name)?.trim()
    return text === undefined ? undefined : parse(text)
  }
  const anthropic = (kind: string): AnthropicLimit => ({
    limit: read(`anthropic-ratelimit-${kind}-limit`, decimal),
    remaining: read(`anthropic-ratelimit-${kind}-remaining`, decimal),
    resetMs: read(`anthropic-ratelimit-${kind}-reset`, (text) => untilDate(text, rfc3339, now))
  })
  const requests = anthropic("requests")
  const [combined, input, output] = [anthropic("tokens"), anthropic("input-tokens"), anthropic("output-tokens")]
  // the request's token estimate is mostly input, hence the input limit when no combined one is given; but any
  // exhausted token budget (output too) must block, hence the remaining count closest to 0
  let tightest: { readonly remaining: number; readonly resetMs: number | undefined } | undefined
  for (const { remaining, resetMs } of [combined, input, output]) {
    if (remaining === undefined) continue
    const later = (resetMs ?? 0) > (tightest?.resetMs ?? 0)
    if (tightest === undefined || remaining < tightest.remaining || (remaining === tightest.remaining && later))
      tightest = { remaining, resetMs }
  }
  return {
    limitRequests: read("x-ratelimit-limit-requests", decimal) ?? requests.limit,
    remainingRequests: read("x-ratelimit-remaining-requests", decimal) ?? requests.remaining,
    resetRequestsMs: read("x-ratelimit-reset-requests", duration) ?? requests.resetMs,
    limitTokens: read("x-ratelimit-limit-tokens", decimal) ?? combined.limit ?? input.limit,
    remainingTokens: read("x-ratelimit-remaining-tokens", decimal) ?? tightest?.remaining,
    resetTokensMs: read("x-ratelimit-reset-tokens", duration) ?? tightest?.resetMs,
    retryAfterMs: read("retry-after-ms", decimal) ?? read("retry-after", (text) => secondsOrDate(text, now))
  }
}

const anthropicRemaining = ["requests", "tokens", "input-tokens", "output-tokens"].map((kind) => `anthropic-ratelimit-${kind}-remaining`)

/** Whether the headers say a request or token budget is used up (a count of 0 remaining), in either naming. */
export const reportsExhaustion = (headers: HeaderReader): boolean => {
  const requests = headers.get("x-ratelimit-remaining-requests")
  const tokens = headers.get("x-ratelimit-remaining-tokens")
  if (requests !== null || tokens !== null) return requests?.trim() === "0" || tokens?.trim() === "0"
  return anthropicRemaining.some((name) => headers.get(name)?.trim() === "0")
}
