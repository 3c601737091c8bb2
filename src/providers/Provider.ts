import type { Redacted } from "effect"
import type { ChatRequest, ChatResponse, StreamDecoder, Translated } from "../domain/Chat.ts"
import type { Reason } from "../domain/GatewayError.ts"
import type { HeaderReader } from "../domain/HeaderReader.ts"

export type JsonObject = { [key: string]: unknown }

/** What an upstream call does: a generation (chat, messages, generateContent…), or one of the others. */
export type Endpoint = "chat" | "completions" | "embeddings" | "models" | "count_tokens"

/** Wire format an adapter speaks upstream; when it equals the client's, bodies and streams pass through. */
export type Dialect = "openai" | "anthropic" | "gemini"

/** One upstream provider as configured: what an adapter needs to build a request. */
export interface ProviderSettings {
  readonly name: string
  readonly type: string
  readonly baseUrl: string | undefined
  readonly headers: Readonly<Record<string, string>>
  /** Azure's `api-version`; other adapters ignore it. */
  readonly apiVersion?: string | undefined
}

/** Where one attempt goes: a provider, one of its keys, and the model name the upstream knows. */
export interface Target {
  readonly provider: ProviderSettings
  readonly key: Redacted.Redacted<string> | undefined
  readonly upstreamModel: string
}

/** Everything an adapter needs to build one upstream request. */
export interface RequestSpec {
  readonly endpoint: Endpoint
  /**
   * In this adapter's dialect, model already renamed for the upstream; undefined for GETs. A string is the
   * client's own JSON, sent byte for byte (see `planUpstream`).
   */
  readonly body: JsonObject | string | undefined
  readonly stream: boolean
  readonly target: Target
  /** The client's request headers, for the few an adapter forwards (e.g. `anthropic-version`, `anthropic-beta`). */
  readonly clientHeaders: Headers
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
  readonly headers: HeaderReader
}

/** Canonical (OpenAI chat) ⇄ an upstream dialect: pure functions (identity-like for the `openai` dialect). */
export interface Translator {
  /** The canonical request (model already renamed) as this dialect's body; what it cannot express is refused. */
  readonly fromChat: (request: ChatRequest) => Translated<JsonObject>
  /** A non-stream 2xx body of this dialect as a canonical response; undefined when it is not this dialect. */
  readonly toChat: (body: unknown) => ChatResponse | undefined
  readonly decodeStream: () => StreamDecoder
}

/**
 * An adapter is data plus pure functions: all network I/O lives in the Upstream service.
 * Adding a provider is one file, one line in `providers/index.ts`, fixtures and a contract-test call.
 */
export interface Provider {
  readonly dialect: Dialect
  /** Used only when the client's dialect differs; same-dialect traffic passes through untouched. */
  readonly translator: Translator
  /** Used when the config names no `base_url`; a provider without one requires it. */
  readonly defaultBaseUrl: string | undefined
  /** Whether a config entry of this type must list at least one API key. */
  readonly requiresKey: boolean
  /** The endpoints it serves; a request for another is refused with a 400 before any call. */
  readonly endpoints: ReadonlySet<Endpoint>
  readonly toRequest: (spec: RequestSpec) => UpstreamRequest
  /** Maps a non-2xx upstream answer to the gateway's reason, keeping the upstream's message. */
  readonly classify: (response: ErrorResponse) => Reason
  /** An in-process upstream (the built-in mock): when present, Upstream calls it instead of the network. */
  readonly serve?: (request: Request) => Promise<Response>
}

/** A request body as sent upstream: the client's own JSON as it came, anything else serialized. */
export const serialized = (body: JsonObject | string): string => typeof body === "string" ? body : JSON.stringify(body)
