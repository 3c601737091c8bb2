import { anthropicErrorBody } from "./messages/anthropicErrorBody.ts"
import { chatToMessages } from "./messages/chatToMessages.ts"
import { encodeMessagesStream } from "./messages/encodeMessagesStream.ts"
import { messagesToChat } from "./messages/messagesToChat.ts"
import type { Surface } from "./Surface.ts"

/** `/v1/messages`: Anthropic Messages API clients (the Anthropic SDKs, Claude Code) over any upstream. */
export const messages: Surface = {
  dialect: "anthropic",
  toChat: messagesToChat,
  fromChat: chatToMessages,
  encodeStream: encodeMessagesStream,
  errorBody: anthropicErrorBody
}
