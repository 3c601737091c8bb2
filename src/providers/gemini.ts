import { Redacted } from "effect"
import { chatToGemini } from "./gemini/chatToGemini.ts"
import { classifyGemini } from "./gemini/classifyGemini.ts"
import { decodeGeminiStream } from "./gemini/decodeGeminiStream.ts"
import { geminiToChat } from "./gemini/geminiToChat.ts"
import { type Provider, serialized } from "./Provider.ts"

const defaultBaseUrl = "https://generativelanguage.googleapis.com/v1beta"

/** `gemini-2.5-flash`, or a full resource name such as `models/…` or `tunedModels/…`. */
const resourceOf = (model: string) => model.includes("/") ? model : `models/${model}`

/** Google's Gemini API: the model and streaming are in the URL, the key in `x-goog-api-key`. */
export const gemini: Provider = {
  dialect: "gemini",
  defaultBaseUrl,
  requiresKey: true,
  endpoints: new Set(["chat", "models"]),
  translator: { fromChat: chatToGemini, toChat: geminiToChat, decodeStream: decodeGeminiStream },
  toRequest: ({ endpoint, body, stream, target }) => {
    const base = (target.provider.baseUrl ?? defaultBaseUrl).replace(/\/+$/, "")
    const headers: Record<string, string> = { ...target.provider.headers }
    if (target.key !== undefined) headers["x-goog-api-key"] = Redacted.value(target.key)
    if (endpoint === "models") return { method: "GET", url: `${base}/models`, headers, body: undefined }
    headers["content-type"] = "application/json"
    const method = stream ? "streamGenerateContent?alt=sse" : "generateContent"
    return {
      method: "POST",
      url: `${base}/${resourceOf(target.upstreamModel)}:${method}`,
      headers,
      body: serialized(body ?? {})
    }
  },
  classify: classifyGemini
}
