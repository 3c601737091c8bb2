import { Result } from "effect"
import type {
  ChatCompletionContentPartImage,
  ChatCompletionContentPartRefusal,
  ChatCompletionContentPartText
} from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import { unsupported } from "../../domain/unsupported.ts"
import { typed } from "./typed.ts"

export type ChatPart = ChatCompletionContentPartText | ChatCompletionContentPartImage | ChatCompletionContentPartRefusal

/** Chat has no `original` detail; `high` is the closest (full resolution). */
const details = { auto: "auto", low: "low", high: "high", original: "high" } as const

const isDetail = (value: unknown): value is keyof typeof details =>
  value === "auto" || value === "low" || value === "high" || value === "original"

/**
 * One content part of a Responses input message as a chat content part. Which parts a role may carry is the
 * caller's to check. `prompt_cache_breakpoint` (a caching hint) is ignored.
 */
export const partToChat = (part: unknown, path: string): Translated<ChatPart> =>
  Result.gen(function*() {
    const fields = yield* typed(part, path, "object")
    switch (fields.type) {
      case "input_text":
      case "output_text":
        return { type: "text", text: yield* typed(fields.text, `${path}.text`, "string") }
      case "refusal":
        return { type: "refusal", refusal: yield* typed(fields.refusal, `${path}.refusal`, "string") }
      case "input_image": {
        if (fields.image_url === undefined || fields.image_url === null) {
          return yield* fields.file_id !== undefined && fields.file_id !== null
            ? unsupported(`${path}.file_id`, "Images by 'file_id' need OpenAI's file storage, which this gateway does not have: send the image as a URL or a data URL in 'image_url'.")
            : unsupported(`${path}.image_url`, `'${path}.image_url' is required.`)
        }
        const url = yield* typed(fields.image_url, `${path}.image_url`, "string")
        return { type: "image_url", image_url: isDetail(fields.detail) ? { url, detail: details[fields.detail] } : { url } }
      }
      case "input_file":
        return yield* unsupported(`${path}.type`, "File inputs ('input_file') are not supported by this gateway.")
      default:
        return yield* unsupported(`${path}.type`, `Content parts of type '${String(fields.type)}' are not supported by this gateway.`)
    }
  })
