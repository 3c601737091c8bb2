import { Predicate, Result } from "effect"
import type { ChatCompletionContentPartImage } from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import { unsupported } from "../../domain/unsupported.ts"

/** An `image` block as an `image_url` part: base64 sources become `data:` URLs, URL sources stay URLs. */
export const imageToChat = (source: unknown, path: string): Translated<ChatCompletionContentPartImage> => {
  if (!Predicate.isObject(source)) return unsupported(`${path}.source`, `'${path}.source' must be an object.`)
  if (source.type === "base64") {
    if (!Predicate.isString(source.media_type)) return unsupported(`${path}.source.media_type`, "An image's media_type must be a string.")
    if (!Predicate.isString(source.data)) return unsupported(`${path}.source.data`, "An image's data must be a base64 string.")
    return Result.succeed({ type: "image_url", image_url: { url: `data:${source.media_type};base64,${source.data}` } })
  }
  if (source.type === "url") {
    if (!Predicate.isString(source.url)) return unsupported(`${path}.source.url`, "An image's url must be a string.")
    return Result.succeed({ type: "image_url", image_url: { url: source.url } })
  }
  return unsupported(`${path}.source.type`, `Image sources of type '${String(source.type)}' (e.g. Files API ids) cannot be translated; send base64 or a URL.`)
}
