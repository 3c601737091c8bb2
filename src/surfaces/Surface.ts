import type { ChatRequest, ChatResponse, StreamEncoder, Translated } from "../domain/Chat.ts"
import type { Reason } from "../domain/GatewayError.ts"
import type { Dialect, JsonObject } from "../providers/Provider.ts"

/**
 * A client-facing API other than Chat Completions (Anthropic Messages, OpenAI Responses): pure translation to
 * and from the canonical chat format. When `dialect` equals the upstream adapter's, the Gateway passes
 * bodies and streams through instead.
 */
export interface Surface {
  /** `undefined` for a surface no upstream speaks natively (Responses is always translated). */
  readonly dialect: Dialect | undefined
  /** The client's body (already checked to be an object with a `model`) as a canonical request. */
  readonly toChat: (body: JsonObject) => Translated<ChatRequest>
  /** A canonical response in this surface's shape; `model` is the name the client asked for. */
  readonly fromChat: (response: ChatResponse, model: string) => JsonObject
  /** `includeUsage`: the client asked for usage in the stream (only Chat Completions makes it optional). */
  readonly encodeStream: (model: string, includeUsage: boolean) => StreamEncoder
  /** The error body this surface's clients expect, for a reason with its HTTP status. */
  readonly errorBody: (reason: Reason) => JsonObject
}
