import { type ChatUsage, chatUsage } from "./chatUsage.ts"
import { generatedChars } from "./generatedChars.ts"
import type { EventRelay } from "./relaySse.ts"

const usagePattern = /"usage"\s*:\s*\{/
const finishPattern = /"finish_reason"\s*:\s*"/
const emptyChoicesPattern = /"choices"\s*:\s*\[\s*\]/
const malformed = { failure: "Upstream sent a malformed stream event", status: 502, code: "upstream_protocol_error" }

/** OpenAI's error event shape, ending a broken stream. */
export const openaiErrorEvent = (message: string, code: string) =>
  `data: ${JSON.stringify({ error: { message, type: "upstream_error", param: null, code } })}\n\n`

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const dataOf = (event: string): string | undefined => {
  if (event.startsWith("data:") && !event.includes("\n")) return event.slice(5).trim()
  const lines = event.split("\n").filter((line) => line.startsWith("data:"))
  return lines.length === 0 ? undefined : lines.map((line) => line.slice(5).trim()).join("\n")
}

/**
 * OpenAI → OpenAI: events go on byte for byte, tapped for usage, the finish reason and the generated text's
 * length without parsing them (only the usage chunk is parsed). Only the usage-only chunk is ever removed,
 * when the client did not ask for it (the gateway always asks the upstream).
 */
export const openaiPassthrough = (clientWantsUsage: boolean): EventRelay => {
  let sawDone = false
  let sawFinish = false
  let usage: ChatUsage | undefined
  let completionChars = 0
  return {
    push: (event) => {
      const data = dataOf(event)
      if (data === undefined) return event + "\n\n"
      if (data === "[DONE]") {
        sawDone = true
        return event + "\n\n"
      }
      if (!data.startsWith("{") || !data.endsWith("}")) return malformed
      if (!sawFinish && finishPattern.test(data)) sawFinish = true
      completionChars += generatedChars(data)
      if (usagePattern.test(data)) {
        const parsed = parseJson(data)
        if (parsed === undefined) return malformed
        usage = chatUsage(parsed) ?? usage
        if (!clientWantsUsage && emptyChoicesPattern.test(data)) return ""
      }
      return event + "\n\n"
    },
    done: () => sawDone,
    complete: () => sawFinish,
    end: () => sawDone ? "" : "data: [DONE]\n\n",
    fail: openaiErrorEvent,
    usage: () => usage,
    completionChars: () => completionChars
  }
}
