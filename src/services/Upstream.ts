import { Context, Effect, Layer } from "effect"
import { AppConfig } from "../Config.ts"
import {
  ClientClosed,
  fail,
  type GatewayError,
  UpstreamTimeout,
  UpstreamUnavailable
} from "../domain/GatewayError.ts"
import type { Candidate } from "../domain/routingTable.ts"
import { Abort } from "../net/Abort.ts"
import { http1Fetch } from "../net/http1Fetch.ts"
import { type Reachability, tcpReachable } from "../net/tcpReachable.ts"
import type { UpstreamResponse } from "../net/UpstreamResponse.ts"
import { watchAbort } from "../net/watchAbort.ts"
import type { UpstreamRequest } from "../providers/Provider.ts"

/** A 2xx upstream answer whose body is still unread, and the way to abandon it. */
export interface UpstreamCall {
  readonly response: UpstreamResponse
  readonly abort: () => void
  readonly idleTimeoutMs: number
  /** Whether the exchange was cut for running past its total timeout. */
  readonly totalTimedOut: () => boolean
  /** The answer has been read to its end: the total timeout stops. */
  readonly finished: () => void
}

/** A 2xx upstream answer read to its end. */
export interface UpstreamAnswer {
  readonly response: UpstreamResponse
  readonly text: string
  /** `performance.now()` when its headers arrived. */
  readonly headersAt: number
}

type AbortCause = "client" | "timeout" | "total" | "connect"

/** What a 2xx answer is handed: the exchange's own controls, to read or relay the body with. */
interface Exchange {
  readonly abort: (cause: AbortCause) => void
  readonly idleTimeoutMs: number
  readonly finished: () => void
  readonly totalTimedOut: () => boolean
  readonly failure: (cause: unknown, timeout: string) => GatewayError
}

/** An upstream heard from this recently has pooled connections: no connect check. */
const warmMs = 30_000

/** Bun's fetch honours these; our own client does not speak to proxies. */
const proxyVariables = ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"]
const proxied = (env: Record<string, string | undefined>) => proxyVariables.some((name) => (env[name] ?? "") !== "")

/** The only place that does network I/O. Client disconnects and timeouts abort the upstream request at once. */
export class Upstream extends Context.Service<Upstream, {
  /** `request` comes from the candidate's adapter (`toRequest`); its `classify` reads non-2xx answers. */
  readonly send: (candidate: Candidate, request: UpstreamRequest, signal: AbortSignal) => Effect.Effect<UpstreamCall, GatewayError>
  /**
   * The same exchange with the whole body read in the same step, within the idle timeout: a body that stalls
   * fails as a timeout, not a hang.
   */
  readonly read: (candidate: Candidate, request: UpstreamRequest, signal: AbortSignal) => Effect.Effect<UpstreamAnswer, GatewayError>
}>()("sluice/services/Upstream") {
  /**
   * `reachable` checks a TCP connection (replaceable in tests: a loopback connect never times out). Plain-HTTP
   * requests go out through `http1Fetch`; https, and every request when `viaFetch` (a proxy is configured in the
   * environment), through Bun's fetch.
   */
  static readonly layerWith = (reachable: typeof tcpReachable, viaFetch = proxied(process.env)) => Layer.effect(
    Upstream,
    Effect.gen(function*() {
      const { server } = yield* AppConfig
      const heardAt = new Map<string, number>()
      const checks = new Map<string, Promise<Reachability>>()

      /**
       * Neither client has a connect timeout: for an upstream not heard from lately (whose connections may be gone), a
       * TCP connect to its host runs beside the request, one at a time per provider, and a timeout aborts the request.
       */
      const connectCheck = (name: string, url: string, timeoutMs: number): Promise<Reachability> | undefined => {
        if (Date.now() - (heardAt.get(name) ?? -Infinity) < warmMs) return undefined
        let check = checks.get(name)
        if (check === undefined) {
          const { hostname, port, protocol } = new URL(url)
          check = reachable(hostname.replace(/^\[|\]$/g, ""), Number(port) || (protocol === "https:" ? 443 : 80), timeoutMs)
          checks.set(name, check)
          void check.finally(() => checks.delete(name))
        }
        return check
      }

      /** One upstream exchange up to its 2xx headers, which `onOk` takes from there (resuming the request once). */
      const exchange = <A>(
        candidate: Candidate,
        request: UpstreamRequest,
        signal: AbortSignal,
        /** Whether to offer a compressed answer: for whole answers, not for streams. */
        compressed: boolean,
        onOk: (response: UpstreamResponse, exchange: Exchange, resume: (effect: Effect.Effect<A, GatewayError>) => void) => void
      ) => {
        const { provider, adapter } = candidate
        const timeoutMs = provider.timeoutMs ?? server.upstreamTimeoutMs
        const aborted = new Abort()
        const abort = (cause: AbortCause) => aborted.abort(cause)
        const onClientAbort = () => abort("client")
        const totalTimeoutMs = provider.totalTimeoutMs ?? server.totalTimeoutMs
        const connectTimeoutMs = provider.connectTimeoutMs ?? server.connectTimeoutMs
        // The whole exchange, headers to last byte; cleared when the answer has been read.
        const total = totalTimeoutMs === undefined ? undefined : setTimeout(abort, totalTimeoutMs, "total")
        // The client's hang-up aborts the exchange until its answer has been read.
        const client = watchAbort(signal, onClientAbort)
        /** Why the exchange failed: our own abort (client gone, timeout) or the network. */
        const failure = (cause: unknown, timeout: string) => {
          const reason = aborted.reason
          return fail(
            reason === "client"
              ? new ClientClosed()
              : reason === "timeout"
              ? new UpstreamTimeout({ message: timeout })
              : reason === "total"
              ? new UpstreamTimeout({ message: `Upstream '${provider.name}' ran past its total timeout of ${totalTimeoutMs} ms` })
              : reason === "connect"
              ? new UpstreamTimeout({ message: `Upstream '${provider.name}' did not accept a connection within ${connectTimeoutMs} ms` })
              : new UpstreamUnavailable({
                message: `Upstream '${provider.name}' failed: ${cause instanceof Error ? cause.message : String(cause)}`,
                upstreamStatus: null
              })
          )
        }
        const controls: Exchange = {
          abort,
          idleTimeoutMs: provider.streamIdleTimeoutMs ?? server.streamIdleTimeoutMs,
          finished: () => {
            clearTimeout(total)
            client.stop()
          },
          totalTimedOut: () => aborted.reason === "total",
          failure
        }

        return Effect.callback<A, GatewayError>((resume) => {
          if (signal.aborted) {
            controls.finished()
            return resume(Effect.fail(fail(new ClientClosed())))
          }
          const timer = setTimeout(abort, timeoutMs, "timeout")
          const fetchInit = (): RequestInit & { tls?: { rejectUnauthorized: boolean } } => ({
            method: request.method,
            headers: request.headers,
            body: request.body,
            signal: aborted.signal(),
            ...(provider.tlsVerify ? {} : { tls: { rejectUnauthorized: false } })
          })
          const answer = adapter.serve !== undefined
            ? adapter.serve(new Request(request.url, fetchInit()))
            : viaFetch || !request.url.startsWith("http:")
            ? fetch(request.url, fetchInit())
            : http1Fetch(request.url, { method: request.method, headers: request.headers, body: request.body, abort: aborted, compressed })
          let answered = false
          if (adapter.serve === undefined) {
            connectCheck(provider.name, request.url, connectTimeoutMs)?.then((outcome) => {
              if (outcome === "timeout" && !answered) abort("connect")
            })
          }
          answer.then(
            async (response) => {
              answered = true
              heardAt.set(provider.name, Date.now())
              if (response.ok) {
                clearTimeout(timer)
                return onOk(response, controls, resume)
              }
              const text = await response.text().catch(() => "")
              clearTimeout(timer)
              controls.finished()
              resume(Effect.fail(fail(adapter.classify({ status: response.status, body: text, headers: response.headers }))))
            },
            (cause: unknown) => {
              answered = true
              clearTimeout(timer)
              controls.finished()
              resume(Effect.fail(failure(cause, `Upstream '${provider.name}' did not answer within ${timeoutMs} ms`)))
            }
          )
          return Effect.sync(() => abort("client"))
        })
      }

      const send = (candidate: Candidate, request: UpstreamRequest, signal: AbortSignal) =>
        exchange<UpstreamCall>(candidate, request, signal, false, (response, { abort, idleTimeoutMs, totalTimedOut, finished }, resume) =>
          resume(Effect.succeed({ response, abort: () => abort("client"), idleTimeoutMs, totalTimedOut, finished }))
        )

      const read = (candidate: Candidate, request: UpstreamRequest, signal: AbortSignal) =>
        exchange<UpstreamAnswer>(candidate, request, signal, true, (response, { abort, idleTimeoutMs, finished, failure }, resume) => {
          const headersAt = performance.now()
          // A body that came whole with its head is read already: no timer, no promise to wait for.
          if (response.whole !== undefined) {
            finished()
            return resume(Effect.succeed({ response, text: response.whole, headersAt }))
          }
          const timer = setTimeout(abort, idleTimeoutMs, "timeout")
          response.text().then(
            (text) => resume(Effect.succeed({ response, text, headersAt })),
            (cause: unknown) => resume(Effect.fail(failure(cause, `Upstream '${candidate.provider.name}' stalled sending its response`)))
          ).finally(() => {
            clearTimeout(timer)
            finished()
          })
        })

      return Upstream.of({ send, read })
    })
  )

  static readonly layer = Upstream.layerWith(tcpReachable)
}
