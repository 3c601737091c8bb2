import { type ChatUsage, chatUsage } from "./chatUsage.ts"

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9

/**
 * The `usage` of an OpenAI-dialect JSON body, parsing only that object rather than the whole body (large
 * embedding bodies end with it). An occurrence counts only as a key: after `{` or `,` (a quote inside a string
 * is escaped, so never is) and before `:`. Its value holds no strings, so matching braces finds its end.
 */
export const reportedUsage = (body: string): ChatUsage | undefined => {
  for (let key = body.lastIndexOf('"usage"'); key >= 0; key = body.lastIndexOf('"usage"', key - 1)) {
    let before = key - 1
    while (before >= 0 && isSpace(body.charCodeAt(before))) before--
    const opener = body.charCodeAt(before)
    if (opener !== 123 && opener !== 44) continue
    let at = key + 7
    while (isSpace(body.charCodeAt(at))) at++
    if (body.charCodeAt(at) !== 58) continue
    at++
    while (isSpace(body.charCodeAt(at))) at++
    if (body.charCodeAt(at) !== 123) return undefined
    // Brace to brace by indexOf: a character loop over the object cost more than parsing it.
    let depth = 1
    let open = body.indexOf("{", at + 1)
    let close = body.indexOf("}", at + 1)
    while (close >= 0) {
      if (open >= 0 && open < close) {
        depth++
        open = body.indexOf("{", open + 1)
        continue
      }
      if (--depth === 0) {
        try {
          return chatUsage({ usage: JSON.parse(body.slice(at, close + 1)) })
        } catch {
          return undefined
        }
      }
      close = body.indexOf("}", close + 1)
    }
    return undefined
  }
  return undefined
}
