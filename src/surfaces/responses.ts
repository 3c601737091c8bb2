import { openaiErrorBody } from "./chat.ts"
import { chatToResponses } from "./responses/chatToResponses.ts"
import { encodeResponsesStream } from "./responses/encodeResponsesStream.ts"
import { responsesToChat } from "./responses/responsesToChat.ts"
import type { Surface } from "./Surface.ts"

/**
 * OpenAI's Responses API (`/v1/responses`): no upstream speaks it here, so it is always translated. Its
 * stream always reports usage (in `response.completed`), so the encoder takes no `includeUsage`.
 */
export const responses: Surface = {
  dialect: undefined,
  toChat: responsesToChat,
  fromChat: chatToResponses,
  encodeStream: encodeResponsesStream,
  errorBody: openaiErrorBody
}
