import { Result } from "effect"
import type { Translated } from "../../domain/Chat.ts"
import type { GeminiPart } from "./GeminiWire.ts"
import { mimeTypeOf } from "./mimeTypeOf.ts"
import { unsupported } from "../../domain/unsupported.ts"

const fromDataUrl = (url: string, param: string): Translated<GeminiPart> => {
  const comma = url.indexOf(",")
  const [mimeType = "", ...flags] = url.slice(5, comma < 0 ? undefined : comma).split(";")
  if (comma < 0 || mimeType === "") return unsupported(param, "A data: URL must name its media type, as in data:image/png;base64,…")
  const payload = url.slice(comma + 1)
  if (flags.includes("base64")) return Result.succeed({ inlineData: { mimeType, data: payload } })
  try {
    return Result.succeed({ inlineData: { mimeType, data: Buffer.from(decodeURIComponent(payload)).toString("base64") } })
  } catch {
    return unsupported(param, "The data: URL is not valid percent-encoded text")
  }
}

/** Files uploaded through Gemini's Files API: Gemini knows their type, and their URIs have no extension. */
const isGeminiFile = (url: URL) => url.hostname === "generativelanguage.googleapis.com" && /\/files\/[^/]+$/.test(url.pathname)

/** A `data:` URL as inline bytes, an http(s) URL as a file reference Gemini fetches itself. */
export const mediaUrlPart = (url: string, param: string): Translated<GeminiPart> => {
  if (url.startsWith("data:")) return fromDataUrl(url, param)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return unsupported(param, "Not a data: or http(s) URL")
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return unsupported(param, "Gemini takes only data: and http(s) URLs")
  if (isGeminiFile(parsed)) return Result.succeed({ fileData: { fileUri: url } })
  const mimeType = mimeTypeOf(parsed.pathname)
  return mimeType === undefined
    ? unsupported(param, "Gemini needs the media type of a linked file, and this URL's extension does not tell it; send the file as a data: URL")
    : Result.succeed({ fileData: { fileUri: url, mimeType } })
}
