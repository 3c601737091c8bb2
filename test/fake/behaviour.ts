/** One tool call the fake answers with (every format). */
export interface ScriptedToolCall {
  readonly name: string
  readonly arguments: Record<string, unknown>
  /** Default: `call_fake_<seq>_<i>` (OpenAI), `toolu_fake_<seq>_<i>` (Anthropic), none (Gemini). */
  readonly id?: string
}

/**
 * What the fake does with one request; every field applies to all three formats unless it says otherwise.
 * "Content chunks" are the stream events that carry generated content: reasoning, answer text, tool call
 * headers and argument fragments. A fault "after N chunks" happens just before the (N+1)-th of them, or
 * right after the last one when N >= their count.
 */
export type Behaviour = {
  /** Answer with this status and JSON body (default body: the format's own error shape naming the status). */
  status?: number
  body?: unknown
  /** Extra response headers (also applied to normal responses). */
  headers?: Record<string, string>
  /** Delay before responding (time to first byte); ends early if the client aborts. */
  latencyMs?: number
  /** Delay between stream events. */
  chunkDelayMs?: number
  /** Number of answer text chunks (words cycled as needed). */
  chunks?: number
  /** Never answer (until the client aborts). */
  hang?: boolean
  /** Stream: TCP reset after N content chunks. Non-stream: reset before any response byte. */
  cutAfterChunks?: number
  /** Stream: after N content chunks keep the connection open and silent. Non-stream: headers and a partial body, then silence. */
  stallAfterChunks?: number
  /** Stream: after N content chunks send `data: {not json` and end. Non-stream: `{not json` body. */
  malformedAfterChunks?: number
  /** Anthropic streams only: after N content chunks an `event: error` with this error, then the stream ends. */
  streamError?: { afterChunks: number; type: string; message: string }
  /** Never report usage (OpenAI: no usage chunk even if asked; Anthropic/Gemini: no usage/usageMetadata anywhere). */
  noUsage?: boolean
  /** Prompt tokens served from cache (OpenAI cached_tokens, Anthropic cache_read_input_tokens, Gemini cachedContentTokenCount). */
  cachedTokens?: number
  /** Answer with these tool calls instead of text (chat formats only, not legacy completions). */
  toolCalls?: ReadonlyArray<ScriptedToolCall>
  /** Reasoning sent before the answer (chat formats only). */
  reasoning?: string
}
