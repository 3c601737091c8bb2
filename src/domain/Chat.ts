import type { Result } from "effect"
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams
} from "openai/resources/chat/completions"

/**
 * The canonical form every translation goes through: OpenAI's Chat Completions wire format. A client dialect
 * is translated to it and an upstream dialect from it, so N client surfaces and M upstreams need N + M
 * translators, and OpenAI → OpenAI-compatible needs none (bytes pass through).
 *
 * Two fields the OpenAI format lacks ride along on assistant messages, message deltas and non-stream
 * messages, under the names LiteLLM and DeepSeek made common:
 * - `reasoning_content`: reasoning / thinking text;
 * - `thinking_blocks`: Anthropic thinking blocks with their signatures, so a thinking + tools conversation
 *   can be replayed to Anthropic.
 * Gemini's thought signatures ride on tool calls as `extra_content.google.thought_signature` (the convention
 * of Google's own OpenAI-compatible endpoint) and are also encoded into the tool call id, since every client
 * echoes ids back while few echo unknown fields.
 */
export type ChatRequest = ChatCompletionCreateParams
export type ChatResponse = ChatCompletion
export type ChatChunk = ChatCompletionChunk

export type ThinkingBlock =
  | { readonly type: "thinking"; readonly thinking: string; readonly signature: string }
  | { readonly type: "redacted_thinking"; readonly data: string }

export interface ReasoningFields {
  readonly reasoning_content?: string | null
  readonly thinking_blocks?: ReadonlyArray<ThinkingBlock>
}

/** Something the target dialect cannot express: the request is refused with a 400 naming `param`. */
export interface Unsupported {
  readonly param: string
  readonly message: string
}

export type Translated<A> = Result.Result<A, Unsupported>

/** Why an upstream stream failed mid-way (an `error` event from the upstream, a body that is not its format). */
export interface StreamFailure {
  readonly failure: string
  /** The gateway status it is recorded with: 502 by default, 429 for a rate limit, 529-like overload as 503. */
  readonly status?: number
}

/**
 * Reads one upstream dialect's SSE stream into canonical chunks. Stateful, one per stream. The caller parses
 * each event's `data:` as JSON (a non-JSON data line is a malformed stream, except OpenAI's terminator, passed
 * as the string "[DONE]") and feeds them in order.
 */
export interface StreamDecoder {
  readonly push: (event: string | undefined, data: unknown) => ReadonlyArray<ChatChunk> | StreamFailure
  /**
   * Whether the upstream has said its response is over and nothing more will come (OpenAI `[DONE]`, Anthropic
   * `message_stop`, a Gemini finish reason): the gateway settles the request at that moment.
   */
  readonly complete: () => boolean
}

/**
 * Writes canonical chunks as one client dialect's SSE stream. Stateful, one per stream. Usage arrives in a
 * chunk with empty `choices` after the one carrying `finish_reason`, as OpenAI sends it with include_usage.
 */
export interface StreamEncoder {
  /** SSE text for one chunk (complete events, each ending in a blank line), or "" when nothing is due yet. */
  readonly push: (chunk: ChatChunk) => string
  /** The closing events after a complete response (`[DONE]`, `message_stop`, `response.completed`). */
  readonly end: () => string
  /** The events that end a broken stream in this dialect's error shape, after whatever was already sent. */
  readonly fail: (message: string, code: string) => string
}
