import { type ChatUsage, chatUsage } from "./chatUsage.ts"

/**
 * The `usage` of an OpenAI-dialect JSON body, parsing only that object rather than the whole body (it is the
 * last key upstreams send). Its value holds no strings, so matching braces finds its end.
 */
export const reportedUsage = (body: string): ChatUsage | undefined => {
  const key = body.lastIndexOf('"usage"')
  if (key < 0) return undefined
  const start = body.indexOf("{", key)
  if (start < 0) return undefined
  let depth = 0
  for (let i = start; i < body.length; i++) {
    const c = body.charCodeAt(i)
    if (c === 123) depth++
    else if (c === 125 && --depth === 0) {
      try {
        return chatUsage({ usage: JSON.parse(body.slice(start, i + 1)) })
      } catch {
        return undefined
      }
    }
  }
  return undefined
}
