/**
 * The deterministic answer to one generation request, independent of the wire format that carries it:
 * the same prompt and behaviour give the same text, reasoning, tool calls and token counts everywhere.
 */
import type { Behaviour } from "./behaviour.ts"

export interface PlannedToolCall {
  readonly index: number
  /** The scripted id, if any: each format has its own default. */
  readonly id: string | undefined
  readonly name: string
  readonly arguments: Record<string, unknown>
  /** `JSON.stringify(arguments)`. */
  readonly json: string
  /** `json` in 3 pieces, cut at arbitrary characters as real streams do (short ones may be empty). */
  readonly fragments: ReadonlyArray<string>
  readonly tokens: number
}

export interface AnswerPlan {
  /** Answer text pieces (words with their leading whitespace); empty when answering with tool calls. */
  readonly text: ReadonlyArray<string>
  readonly reasoning: ReadonlyArray<string>
  readonly toolCalls: ReadonlyArray<PlannedToolCall>
  /** Includes the cached ones. */
  readonly promptTokens: number
  readonly cachedTokens: number
  /** One per reasoning piece. */
  readonly reasoningTokens: number
  /** One per text piece, `tokens(json)` per tool call; reasoning excluded. */
  readonly answerTokens: number
}

const DEFAULT_ANSWER = "Hello from fake upstream"

export const tokens = (chars: number) => Math.ceil(chars / 4)

const answerFor = (prompt: string): string => (prompt.startsWith("ECHO:") ? prompt.slice(5).trimStart() : DEFAULT_ANSWER)

/** Words with their leading whitespace, so that joining the pieces rebuilds the text; cycled up to `count`. */
const pieces = (text: string, count?: number): string[] => {
  const words = text.match(/\s*\S+/g) ?? []
  if (count === undefined || words.length === 0) return words
  return Array.from({ length: count }, (_, i) => {
    const w = words[i % words.length] ?? ""
    return i >= words.length && i % words.length === 0 ? ` ${w.trimStart()}` : w
  })
}

const thirds = (s: string): string[] => [0, 1, 2].map((k) => s.slice(Math.floor((s.length * k) / 3), Math.floor((s.length * (k + 1)) / 3)))

/**
 * `promptChars`: characters of all prompt text (system and messages); `promptText`: the last user turn's text
 * (`ECHO:` rule). `textOnly`: ignore `toolCalls` and `reasoning` (legacy completions).
 */
export const answerPlan = (promptChars: number, promptText: string, b: Behaviour, textOnly = false): AnswerPlan => {
  const toolCalls = textOnly ? [] : (b.toolCalls ?? []).map((c, index): PlannedToolCall => {
    const json = JSON.stringify(c.arguments)
    return { index, id: c.id, name: c.name, arguments: c.arguments, json, fragments: thirds(json), tokens: tokens(json.length) }
  })
  const text = toolCalls.length > 0 ? [] : pieces(answerFor(promptText), b.chunks)
  const reasoning = textOnly || b.reasoning === undefined ? [] : pieces(b.reasoning)
  const cachedTokens = b.cachedTokens ?? 0
  return {
    text,
    reasoning,
    toolCalls,
    promptTokens: Math.max(tokens(promptChars), cachedTokens),
    cachedTokens,
    reasoningTokens: reasoning.length,
    answerTokens: text.length + toolCalls.reduce((n, c) => n + c.tokens, 0),
  }
}
