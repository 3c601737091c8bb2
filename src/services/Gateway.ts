import { Context, Effect, Layer, Predicate } from "effect"
import type { LedgerRow } from "../db/schema.ts"
import { estimateTokens } from "../domain/estimateTokens.ts"
import { fail, type GatewayError, UpstreamProtocol } from "../domain/GatewayError.ts"
import { type GenerateEndpoint, type ParsedRequest, parseRequest } from "../domain/parseRequest.ts"
import type { Usage } from "../domain/Usage.ts"
import type { VirtualKey } from "../domain/VirtualKey.ts"
import type { ChatUsage } from "../streams/chatUsage.ts"
import { generatedChars } from "../streams/generatedChars.ts"
import { passthroughSse } from "../streams/passthroughSse.ts"
import { reportedUsage } from "../streams/reportedUsage.ts"
import { KeyStore } from "./KeyStore.ts"
import { costOf, Pricing } from "./Pricing.ts"
import { type Routed, Router } from "./Router.ts"
import { Upstream, type UpstreamCall } from "./Upstream.ts"
import { UsageLedger } from "./UsageLedger.ts"

export interface GatewayRequest {
  readonly endpoint: GenerateEndpoint
  readonly text: string
  readonly secret: string | undefined
  readonly signal: AbortSignal
  readonly requestId: string
}

export interface ModelList {
  readonly object: "list"
  readonly data: ReadonlyArray<{ id: string; object: "model"; created: number; owned_by: string }>
}

const sseHeaders = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" }

/** What one request carries through the pipeline, for its ledger row. */
interface Flight {
  readonly request: GatewayRequest
  readonly key: VirtualKey
  readonly parsed: ParsedRequest
  readonly ts: number
  readonly startedAt: number
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
      const pricing = yield* Pricing
      const startedAtSeconds = Math.floor(Date.now() / 1000)

      const settle = (flight: Flight, routed: Routed | undefined, outcome: {
        status: number
        error?: string | undefined
        usage?: Usage | undefined
        ttftMs?: number | undefined
      }) => {
        const price = routed === undefined
          ? undefined
          : pricing.priceOf([routed.target.upstreamModel, routed.model, routed.candidate.qualified])
        const usage = outcome.usage
        const row: LedgerRow = {
          requestId: flight.request.requestId,
          ts: flight.ts,
          keyName: flight.key.name,
          endpoint: flight.request.endpoint,
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
          ttftMs: outcome.ttftMs === undefined ? null : Math.round(outcome.ttftMs)
        }
        ledger.record(row)
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

      const streamed = (flight: Flight, routed: Routed, call: UpstreamCall, clientWantsUsage: boolean) => {
        const body = call.response.body
        if (body === null) return Effect.fail(fail(new UpstreamProtocol({ message: "Upstream sent an empty stream" })))
        const stream = passthroughSse(body, {
          clientWantsUsage,
          idleTimeoutMs: call.idleTimeoutMs,
          abortUpstream: call.abort,
          onEnd: (outcome) =>
            settle(flight, routed, {
              status: outcome.status,
              error: outcome.error,
              usage: settled(outcome.usage, flight, outcome.completionChars),
              ttftMs: outcome.firstByteAt === undefined ? undefined : outcome.firstByteAt - flight.startedAt
            })
        })
        return Effect.succeed(new Response(stream, { headers: { ...sseHeaders, "x-request-id": flight.request.requestId } }))
      }

      const buffered = (flight: Flight, routed: Routed, call: UpstreamCall) =>
        call.readText.pipe(
          Effect.flatMap((text) => {
            const body = text.trim()
            if (!body.startsWith("{") || !body.endsWith("}")) {
              return Effect.fail(fail(new UpstreamProtocol({ message: "Upstream answered with a body that is not JSON" })))
            }
            const reported = reportedUsage(body)
            settle(flight, routed, { status: 200, usage: settled(reported, flight, reported ? 0 : generatedChars(body)) })
            return Effect.succeed(
              new Response(text, { headers: { "content-type": "application/json", "x-request-id": flight.request.requestId } })
            )
          })
        )

      const call = (flight: Flight, routed: Routed) => {
        const { body, stream } = flight.parsed
        const options = Predicate.isObject(body.stream_options) ? body.stream_options : {}
        const upstreamBody = stream
          ? { ...body, model: routed.target.upstreamModel, stream_options: { ...options, include_usage: true } }
          : { ...body, model: routed.target.upstreamModel }
        return upstream.send(routed.candidate, routed.target, flight.request.endpoint, upstreamBody, flight.request.signal).pipe(
          Effect.flatMap((answer) =>
            stream ? streamed(flight, routed, answer, options.include_usage === true) : buffered(flight, routed, answer)
          )
        )
      }

      const handle = Effect.fnUntraced(function*(request: GatewayRequest) {
        const ts = Date.now()
        const startedAt = performance.now()
        const key = yield* keys.authenticate(request.secret)
        const parsed = yield* parseRequest(request.endpoint, request.text)
        const flight: Flight = { request, key, parsed, ts, startedAt }
        let routed: Routed | undefined
        return yield* router.resolve(parsed.model, key).pipe(
          Effect.flatMap((r) => {
            routed = r
            return call(flight, r)
          }),
          Effect.tapError((error) =>
            Effect.sync(() => settle(flight, routed, { status: error.reason.status, error: error.message }))
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
