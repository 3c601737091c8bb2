import type { Redacted } from "effect"
import type { Reason } from "../domain/GatewayError.ts"

export type JsonObject = { [key: string]: unknown }

/** The client-facing API a request came in on. */
export type Endpoint = "chat" | "completions" | "embeddings" | "models"

/** Wire format an adapter speaks upstream; when it equals the client's, bodies and streams pass through. */
export type Dialect = "openai"

/** One upstream provider as configured: what an adapter needs to build a request. */
export interface ProviderSettings {
  readonly name: string
  readonly type: string
  readonly baseUrl: string | undefined
  readonly headers: Readonly<Record<string, string>>
}

/** Where one attempt goes: a provider, one of its keys, and the model name the upstream knows. */
export interface Target {
  readonly provider: ProviderSettings
  readonly key: Redacted.Redacted<string> | undefined
  readonly upstreamModel: string
}

export interface UpstreamRequest {
  readonly url: string
  readonly headers: Record<string, string>
  readonly body: string | undefined
  readonly method: "GET" | "POST"
}

export interface ErrorResponse {
  readonly status: number
  readonly body: string
  readonly headers: Headers
}

/**
 * An adapter is data plus pure functions: all network I/O lives in the Upstream service.
 * Adding a provider is one file, one line in `providers/index.ts`, fixtures and a contract-test call.
 */
export interface Provider {
  readonly dialect: Dialect
  /** Used when the config names no `base_url`; a provider without one requires it. */
  readonly defaultBaseUrl: string | undefined
  /** Whether a config entry of this type must list at least one API key. */
  readonly requiresKey: boolean
  /** `body` is the client's parsed request with the model already renamed for the upstream (none for GETs). */
  readonly toRequest: (endpoint: Endpoint, body: JsonObject | undefined, target: Target) => UpstreamRequest
  /** Maps a non-2xx upstream answer to the gateway's reason, keeping the upstream's message. */
  readonly classify: (response: ErrorResponse) => Reason
  /** An in-process upstream (the built-in mock): when present, Upstream calls it instead of the network. */
  readonly serve?: (request: Request) => Promise<Response>
}
