/** The Anthropic message id for a chat completion id: `chatcmpl-abc` → `msg_abc`. */
export const messageId = (chatId: string): string => `msg_${chatId.replace(/^chatcmpl-/, "") || "gateway"}`
