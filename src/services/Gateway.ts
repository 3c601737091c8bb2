import { Cause, Context, Effect, Layer, Predicate, Result } from "effect"
import type { LedgerRow } from "../db/schema.ts"
import { AppConfig } from "../Config.ts"
import { capBytes } from "../domain/capBytes.ts"
import { estimateTokens } from "../domain/estimateTokens.ts"
import { fail, type GatewayError, RateLimited, UpstreamProtocol } from "../domain/GatewayError.ts"
import type { HeaderReader } from "../domain/HeaderReader.ts"
import { maxTokensOf } from "../domain/maxTokensOf.ts"
import { type ParsedRequest, parseRequest, type SurfaceName } from "../domain/parseRequest.ts"
import type { Usage } from "../domain/Usage.ts"
import type { VirtualKey } from "../domain/VirtualKey.ts"
import { type ChatUsage, chatUsage } from "../streams/chatUsage.ts"
import { generatedChars } from "../streams/generatedChars.ts"
import { openaiPassthrough } from "../streams/openaiPassthrough.ts"
import { relaySse } from "../streams/relaySse.ts"
import { reportedUsage } from "../streams/reportedUsage.ts"
import { translatedRelay } from "../streams/translatedRelay.ts"
import { surfaceOf } from "../surfaces/surfaceOf.ts"
import { requestSpans } from "../telemetry/requestSpans.ts"
import { Admission, type Admitted } from "./Admission.ts"
import { KeyStore } from "./KeyStore.ts"
import { Metrics } from "./Metrics.ts"
import { costOf, Pricing } from "./Pricing.ts"
import { type Lease, ProviderPool } from "./ProviderPool.ts"
import { endpoints, type Plan, planUpstream } from "./planUpstream.ts"
import { type Resolved, type Routed, Router } from "./Router.ts"
import { Tracing } from "./Tracing.ts"
import { Upstream, type UpstreamCall } from "./Upstream.ts"
import { UsageLedger } from "./UsageLedger.ts"

export interface GatewayRequest {
  readonly surface: SurfaceName
  readonly text: string
  readonly secret: string | undefined
  readonly headers: Headers
  readonly signal: AbortSignal
  readonly requestId: string
}

export interface ModelList {
  readonly object: "list"
  readonly data: ReadonlyArray<{ id: string; object: "model"; created: number; owned_by: string }>
}

const kindOf = (surface: SurfaceName) =>
  surface === "embeddings" ? "embeddings" : surface === "count_tokens" ? "count_tokens" : "generation"

const nothingExcluded: ReadonlySet<string> = new Set()

const sseHeaders = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" }
const jsonHeaders = { "content-type": "application/json" }

/** What one request carries through the pipeline, for its ledger row. */
interface Flight {
  readonly request: GatewayRequest
  readonly key: VirtualKey
  readonly parsed: ParsedRequest
  readonly ts: number
  readonly startedAt: number
  /** Prompt estimate plus the most it may generate: what the context window and the key's windows are checked with. */
  readonly tokens: number
  /** Set once the upstream call is sent (for the overhead header and the trace). */
  attempt: Attempt | undefined
  /** The target of the current attempt: released when the request settles. */
  lease: Lease | undefined
  attempts: number
  /** The key's rate-limit admission and budget reservation, released when the request settles. */
  admitted: Admitted | undefined
}

/** When the upstream call was sent and answered (for a buffered answer: its body read), and where it went. */
interface Attempt {
  readonly url: string
  readonly sentAt: number
  answeredAt: number
}

/** authenticate → parse → route → call upstream → settle: every request that reaches routing gets one ledger row. */
export class Gateway extends Context.Service<Gateway, {
  readonly handle: (request: GatewayRequest) => Effect.Effect<Response, GatewayError>
  readonly models: (secret: string | undefined) => Effect.Effect<ModelList, GatewayError>
}>()("sluice/services/Gateway") {
  static readonly layer = Layer.effect(
    Gateway,
    Effect.gen(function*() {
      const keys = yield* KeyStore
      const router = yield* Router
      const upstream = yield* Upstream
      const ledger = yield* UsageLedger
      const metrics = yield* Metrics
      const pool = yield* ProviderPool
      const tracing = yield* Tracing
      const pricing = yield* Pricing
      const admission = yield* Admission
      const { resilience, ledger: { captureBodies, captureMaxBytes } } = yield* AppConfig
      const captures = (flight: Flight) => captureBodies || flight.key.captureBodies
      const startedAtSeconds = Math.floor(Date.now() / 1000)

      const settle = (flight: Flight, routed: Routed | undefined, outcome: {
        status: number
        error?: string | undefined
        usage?: Usage | undefined
        ttftMs?: number | undefined
        responseBody?: string | undefined
      }) => {
        const price = routed === undefined
          ? undefined
          : pricing.priceOf([routed.target.upstreamModel, routed.model, routed.candidate.qualified])
        const usage = outcome.usage
        const captured = captures(flight)
        const row: LedgerRow = {
          requestId: flight.request.requestId,
          ts: flight.ts,
          keyName: flight.key.name,
          keyId: flight.key.id,
          userId: flight.key.ownerId,
          endpoint: flight.request.surface,
          model: flight.parsed.model,
          provider: routed?.candidate.provider.name ?? null,
          upstreamModel: routed?.target.upstreamModel ?? null,
          stream: flight.parsed.stream,
          status: outcome.status,
          error: outcome.error ?? null,
          promptTokens: usage?.promptTokens ?? null,
          completionTokens: usage?.completionTokens ?? null,
          cachedTokens: usage?.cachedTokens ?? null,
          usageSource: usage?.source ?? "missing",
          costUsd: usage === undefined || price === undefined ? null : costOf(price, usage),
          unpriced: routed !== undefined && price === undefined,
          latencyMs: Math.round(performance.now() - flight.startedAt),
          ttftMs: outcome.ttftMs === undefined ? null : Math.round(outcome.ttftMs),
          attempts: flight.attempts,
          requestBody: captured ? capBytes(flight.request.text, captureMaxBytes) : null,
          responseBody: captured && outcome.responseBody !== undefined ? capBytes(outcome.responseBody, captureMaxBytes) : null
        }
        ledger.record(row)
        metrics.settled(row, routed !== undefined)
        const tokensUsed = usage === undefined ? undefined : usage.promptTokens + usage.completionTokens
        if (flight.admitted !== undefined) admission.settle(flight.admitted, { usd: row.costUsd ?? undefined, tokens: tokensUsed ?? 0 })
        flight.lease?.released({
          status: outcome.status,
          tokens: tokensUsed,
          ttftMs: outcome.ttftMs
        })
        if (tracing.enabled) {
          const origin = performance.timeOrigin
          tracing.record(requestSpans({
            row,
            traceparent: flight.request.headers.get("traceparent"),
            providerType: routed?.candidate.provider.type,
            upstreamUrl: flight.attempt?.url,
            startedAt: origin + flight.startedAt,
            sentAt: flight.attempt === undefined ? undefined : origin + flight.attempt.sentAt,
            endedAt: origin + performance.now()
          }))
        }
      }

      /**
       * An answer's headers, built once: its request id, the key's `x-ratelimit-*` headers, and
       * `x-sluice-overhead-ms`: time spent in the gateway before sending upstream and after its answer arrived
       * (for buffered answers, after the body was read), excluding the upstream's own time.
       */
      const answerHeaders = (flight: Flight, base: Record<string, string>) => {
        const headers: Record<string, string> = { ...base, "x-request-id": flight.request.requestId, ...flight.admitted?.ticket.headers }
        const { attempt } = flight
        if (attempt !== undefined) {
          headers["x-sluice-overhead-ms"] = (attempt.sentAt - flight.startedAt + performance.now() - attempt.answeredAt).toFixed(2)
        }
        return headers
      }

      const settled = (reported: ChatUsage | undefined, flight: Flight, completionChars: number): Usage =>
        reported !== undefined
          ? { ...reported, source: "reported" }
          : {
            promptTokens: estimateTokens(flight.request.text),
            completionTokens: Math.ceil(completionChars / 4),
            cachedTokens: 0,
            source: "estimated"
          }

      const streamed = (flight: Flight, routed: Routed, plan: Plan, call: UpstreamCall) => {
        const body = call.response.body
        if (body === null) {
          call.finished()
          return Effect.fail(fail(new UpstreamProtocol({ message: "Upstream sent an empty stream" })))
        }
        const { adapter } = routed.candidate
        const options = flight.parsed.body.stream_options
        const includeUsage = Predicate.isObject(options) && options.include_usage === true
        const relay = plan.passthrough && adapter.dialect === "openai"
          ? openaiPassthrough(includeUsage)
          : translatedRelay(
            adapter.translator.decodeStream(),
            surfaceOf(flight.request.surface).encodeStream(flight.parsed.model, includeUsage),
            plan.passthrough
          )
        const stream = relaySse(body, relay, {
          idleTimeoutMs: call.idleTimeoutMs,
          abortUpstream: call.abort,
          totalTimedOut: call.totalTimedOut,
          captureChars: captures(flight) ? captureMaxBytes : 0,
          onEnd: (outcome) => {
            call.finished()
            settle(flight, routed, {
              status: outcome.status,
              error: outcome.error,
              usage: settled(outcome.usage, flight, outcome.completionChars),
              ttftMs: outcome.firstByteAt === undefined ? undefined : outcome.firstByteAt - flight.startedAt,
              responseBody: outcome.captured
            })
          }
        })
        return Effect.succeed(new Response(stream, { headers: answerHeaders(flight, sseHeaders) }))
      }

      const notJson = () => fail(new UpstreamProtocol({ message: "Upstream answered with a body that is not JSON" }))

      /** A whole answer (its body read) as the client's Response, settled with its usage. */
      const buffered = (flight: Flight, routed: Routed, plan: Plan, text: string) => {
        const body = text.trim()
        if (!body.startsWith("{") || !body.endsWith("}")) return Effect.fail(notJson())
        const { adapter } = routed.candidate
        if (plan.passthrough && adapter.dialect === "openai") {
          const reported = reportedUsage(body)
          settle(flight, routed, { status: 200, usage: settled(reported, flight, reported ? 0 : generatedChars(body)), responseBody: text })
          return Effect.succeed(new Response(text, { headers: answerHeaders(flight, jsonHeaders) }))
        }
        let json: unknown
        try {
          json = JSON.parse(body)
        } catch {
          return Effect.fail(notJson())
        }
        if (flight.request.surface === "count_tokens") {
          settle(flight, routed, { status: 200, usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, source: "reported" }, responseBody: text })
          return Effect.succeed(new Response(text, { headers: answerHeaders(flight, jsonHeaders) }))
        }
        const chat = adapter.translator.toChat(json)
        if (chat === undefined) {
          return Effect.fail(fail(new UpstreamProtocol({ message: `Upstream answered 200 with a body that is not ${adapter.dialect}'s format` })))
        }
        const out = plan.passthrough ? text : JSON.stringify(surfaceOf(flight.request.surface).fromChat(chat, flight.parsed.model))
        settle(flight, routed, { status: 200, usage: settled(chatUsage(chat), flight, 0), responseBody: out })
        return Effect.succeed(new Response(out, { headers: answerHeaders(flight, jsonHeaders) }))
      }

      /** Anthropic's token count, answered by Anthropic upstreams and estimated locally for every other. */
      const countLocally = (flight: Flight, routed: Routed) => {
        const body = JSON.stringify({ input_tokens: estimateTokens(flight.request.text) })
        settle(flight, routed, { status: 200, usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, source: "estimated" }, responseBody: body })
        return Effect.succeed(new Response(body, { headers: answerHeaders(flight, jsonHeaders) }))
      }

      /** One attempt on the leased target: the answer's Response, or why it failed (for the caller to retry or not). */
      const callTarget = (flight: Flight, routed: Routed, lease: Lease) => {
        const { adapter } = routed.candidate
        return planUpstream(flight.request.surface, flight.parsed, routed).pipe(
          Effect.flatMap((planned) => {
            const request = adapter.toRequest({
              endpoint: endpoints[flight.request.surface],
              body: planned.body,
              stream: flight.parsed.stream,
              target: routed.target,
              clientHeaders: flight.request.headers
            })
            const provider = routed.candidate.provider.name
            const upstreamKey = lease.pooled.keyLabel
            const attempt: Attempt = { url: request.url, sentAt: performance.now(), answeredAt: 0 }
            flight.attempt = attempt
            const unanswered = <A>(call: Effect.Effect<A, GatewayError>) =>
              Effect.tapError(call, (error) => Effect.sync(() => metrics.upstream({ provider, upstreamKey, latencyMs: undefined, reason: error.reason })))
            const answered = (headersAt: number, headers: HeaderReader) => {
              lease.answered(headersAt - attempt.sentAt, headers)
              metrics.upstream({ provider, upstreamKey, latencyMs: headersAt - attempt.sentAt, reason: undefined })
            }
            if (flight.parsed.stream) {
              return unanswered(upstream.send(routed.candidate, request, flight.request.signal)).pipe(
                Effect.flatMap((call) => {
                  attempt.answeredAt = performance.now()
                  answered(attempt.answeredAt, call.response.headers)
                  return streamed(flight, routed, planned, call)
                })
              )
            }
            return unanswered(upstream.read(routed.candidate, request, flight.request.signal)).pipe(
              Effect.flatMap(({ response, text, headersAt }) => {
                answered(headersAt, response.headers)
                // The overhead header counts a buffered answer's gateway time from the end of its body.
                attempt.answeredAt = performance.now()
                return buffered(flight, routed, planned, text)
              })
            )
          })
        )
      }

      const backoff = (attempt: number) => {
        const { backoffMs, maxBackoffMs } = resilience
        // Full jitter: anywhere up to the exponential bound, so that retries from many clients spread out.
        return Math.random() * Math.min(maxBackoffMs, backoffMs * 2 ** Math.max(0, attempt - 1))
      }

      /**
       * Attempts until one answers: the model's targets by its strategy (after a failure, the failed key's
       * siblings first, then other providers), then its fallback models. Only retryable reasons retry, within
       * `max_attempts` and the request's deadline; when every target is saturated or cooling down the request
       * waits for the earliest capacity up to `queue_timeout_ms`, then gets 429 with Retry-After. Once an answer
       * has started, nothing switches: a stream that breaks later ends with an error event.
       */
      const startAttempt = (flight: Flight, model: string, lease: Lease, onRouted: (routed: Routed) => void): Routed => {
        flight.attempts++
        flight.lease = lease
        const routed: Routed = { model, candidate: lease.pooled.candidate, target: lease.pooled.target }
        onRouted(routed)
        return routed
      }

      /** The first attempt, when a target is free: no retry machinery unless it fails. */
      const attemptAll = (flight: Flight, first: Resolved, onRouted: (routed: Routed) => void) => {
        const acquired = pool.acquire(first.model, first.strategy, first.candidates, { tokens: flight.tokens, excluded: nothingExcluded, prefer: undefined })
        if (!("lease" in acquired)) return retryAll(flight, first, onRouted, undefined)
        const { lease } = acquired
        return callTarget(flight, startAttempt(flight, first.model, lease, onRouted), lease).pipe(
          Effect.catch((error) => {
            lease.failed(error.reason, undefined)
            if (!error.reason.retryable) return Effect.fail(error)
            const prefer = lease.pooled.candidate.provider.name
            return retryAll(flight, first, onRouted, { error, failedId: lease.pooled.id, prefer })
          })
        )
      }

      const retryAll = (
        flight: Flight,
        first: Resolved,
        onRouted: (routed: Routed) => void,
        firstFailure: { readonly error: GatewayError; readonly failedId: string; readonly prefer: string } | undefined
      ) =>
        Effect.gen(function*() {
          const deadline = flight.startedAt + resilience.deadlineMs
          let lastError: GatewayError | undefined = firstFailure?.error
          let soonest = Infinity
          const models = [first.model, ...first.fallbacks]
          for (const [index, name] of models.entries()) {
            const found = index === 0 ? first : yield* Effect.orElseSucceed(router.resolve(name, flight.key), () => undefined)
            const resolved = found === undefined || index === 0 ? found : admission.pricedFor(flight.key, found)
            if (resolved === undefined || resolved.candidates.length === 0) continue
            const failed = new Set<string>(index === 0 && firstFailure !== undefined ? [firstFailure.failedId] : [])
            let prefer = index === 0 ? firstFailure?.prefer : undefined
            let waitingSince: number | undefined
            while (flight.attempts < resilience.maxAttempts && performance.now() < deadline) {
              const options = { tokens: flight.tokens, excluded: failed, prefer }
              let acquired = pool.acquire(resolved.model, resolved.strategy, resolved.candidates, options)
              if ("waitMs" in acquired && failed.size > 0) {
                // No other target is left: a fallback model comes first, then the failed targets after a backoff.
                if (index < models.length - 1) break
                yield* Effect.sleep(Math.min(backoff(flight.attempts), Math.max(0, deadline - performance.now())))
                acquired = pool.acquire(resolved.model, resolved.strategy, resolved.candidates, { tokens: flight.tokens, excluded: nothingExcluded, prefer })
              }
              if ("waitMs" in acquired) {
                const now = performance.now()
                waitingSince ??= now
                const until = Math.min(deadline, waitingSince + resilience.queueTimeoutMs)
                if (Number.isFinite(acquired.waitMs) && now + acquired.waitMs <= until) {
                  // A concurrency refusal has no time (0): capacity returns when some request settles.
                  yield* Effect.sleep(Math.max(5, Math.min(acquired.waitMs, 25)))
                  continue
                }
                soonest = Math.min(soonest, acquired.waitMs)
                break
              }
              const { lease } = acquired
              const routed = startAttempt(flight, resolved.model, lease, onRouted)
              const result = yield* Effect.result(callTarget(flight, routed, lease))
              if (Result.isSuccess(result)) {
                metrics.resilience(flight.attempts - 1, index > 0)
                return result.success
              }
              const error = result.failure
              lease.failed(error.reason, undefined)
              lastError = error
              if (!error.reason.retryable) return yield* Effect.fail(error)
              failed.add(lease.pooled.id)
              prefer = lease.pooled.candidate.provider.name
            }
          }
          metrics.resilience(Math.max(0, flight.attempts - 1), false)
          if (lastError !== undefined) return yield* Effect.fail(lastError)
          return yield* Effect.fail(fail(new RateLimited({
            message: `Every upstream serving '${first.model}' is at capacity or cooling down; try again later.`,
            code: "upstream_capacity",
            retryAfterMs: Number.isFinite(soonest) ? Math.max(1000, soonest) : null
          })))
        })

      const countRefusal = (surface: SurfaceName) => (error: GatewayError) =>
        Effect.sync(() => metrics.refused(surface, error.reason.status))

      const handle = Effect.fnUntraced(function*(request: GatewayRequest) {
        const ts = Date.now()
        const startedAt = performance.now()
        metrics.started()
        const key = yield* keys.authenticate(request.secret).pipe(Effect.tapError(countRefusal(request.surface)))
        const parsed = yield* parseRequest(request.surface, request.text).pipe(Effect.tapError(countRefusal(request.surface)))
        const maxTokens = maxTokensOf(parsed.body)
        const tokens = estimateTokens(request.text) + maxTokens
        const flight: Flight = {
          request, key, parsed, ts, startedAt, tokens, attempt: undefined, lease: undefined, attempts: 0, admitted: undefined
        }
        let routed: Routed | undefined
        return yield* router.resolve(parsed.model, key).pipe(
          Effect.flatMap((resolved) => {
            // A request longer than the model's context window goes to its larger context fallback.
            return resolved.contextWindow !== undefined && resolved.contextFallback !== undefined && tokens > resolved.contextWindow
              ? router.resolve(resolved.contextFallback, key)
              : Effect.succeed(resolved)
          }),
          Effect.flatMap((resolved) =>
            admission.admit({ key, text: request.text, tokens, maxTokens, kind: kindOf(request.surface) }, resolved)
          ),
          Effect.map((admitted) => {
            flight.admitted = admitted
            return admitted.resolved
          }),
          Effect.flatMap((resolved) => {
            if (request.surface === "count_tokens" && !resolved.candidates.some((c) => c.adapter.dialect === "anthropic")) {
              const candidate = resolved.candidates[0]!
              return countLocally(flight, { model: resolved.model, candidate, target: { provider: candidate.settings, key: undefined, upstreamModel: candidate.upstreamModel } })
            }
            const anthropicOnly = request.surface === "count_tokens"
              ? { ...resolved, candidates: resolved.candidates.filter((c) => c.adapter.dialect === "anthropic") }
              : resolved
            return attemptAll(flight, anthropicOnly, (r) => { routed = r })
          }),
          Effect.onError((cause) =>
            Effect.sync(() => {
              const error = Cause.findErrorOption(cause)
              if (error._tag === "Some") settle(flight, routed, { status: error.value.reason.status, error: error.value.message })
              else if (Cause.hasInterruptsOnly(cause)) settle(flight, routed, { status: 499, error: "interrupted" })
              else settle(flight, routed, { status: 500, error: "internal gateway error" })
            })
          )
        )
      })

      const models = (secret: string | undefined) =>
        keys.authenticate(secret).pipe(
          Effect.map((key): ModelList => ({
            object: "list",
            data: router.models(key).map((id) => ({ id, object: "model", created: startedAtSeconds, owned_by: "sluice" }))
          }))
        )

      return Gateway.of({ handle, models })
    })
  )
}
