import { Result } from "effect"
import type { ChatCompletionContentPart } from "openai/resources/chat/completions"
import type { Translated } from "../../domain/Chat.ts"
import type { GeminiPart } from "./GeminiWire.ts"
import { mediaUrlPart } from "./mediaUrlPart.ts"
import { mimeTypeOf } from "./mimeTypeOf.ts"
import { unsupported } from "../../domain/unsupported.ts"

/**
 * One part of a user message. Ignored: `image_url.detail` (a resolution hint; Gemini picks its own) and
 * `prompt_cache_breakpoint` (caching only).
 */
export const userPartToGemini = (part: ChatCompletionContentPart, path: string): Translated<ReadonlyArray<GeminiPart>> => {
  switch (part.type) {
    case "text":
      // Gemini refuses an empty text part.
      return Result.succeed(part.text === "" ? [] : [{ text: part.text }])
    case "image_url":
      return Result.map(mediaUrlPart(part.image_url.url, `${path}.image_url.url`), (p) => [p])
    case "input_audio": {
      const { data, format } = part.input_audio
      return format === "wav" || format === "mp3"
        ? Result.succeed([{ inlineData: { mimeType: `audio/${format}`, data } }])
        : unsupported(`${path}.input_audio.format`, `Audio format '${String(format)}' is not supported`)
    }
    case "file": {
      const { file_data, file_id, filename } = part.file
      if (file_id !== undefined) return unsupported(`${path}.file.file_id`, "OpenAI file ids mean nothing to Gemini; send file_data")
      if (file_data === undefined) return unsupported(`${path}.file.file_data`, "A file part needs file_data")
      if (file_data.startsWith("data:")) return Result.map(mediaUrlPart(file_data, `${path}.file.file_data`), (p) => [p])
      const mimeType = filename === undefined ? undefined : mimeTypeOf(filename)
      return mimeType === undefined
        ? unsupported(`${path}.file.filename`, "Gemini needs the file's media type: send file_data as a data: URL or a filename with a known extension")
        : Result.succeed([{ inlineData: { mimeType, data: file_data } }])
    }
    default:
      return unsupported(`${path}.type`, `Content part type '${(part as { type: string }).type}' is not supported by Gemini`)
  }
}
