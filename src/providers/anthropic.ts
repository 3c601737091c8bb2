import { Redacted } from "effect"
import { anthropicToChat } from "./anthropic/anthropicToChat.ts"
import { chatToAnthropic } from "./anthropic/chatToAnthropic.ts"
import { classifyAnthropic } from "./anthropic/classifyAnthropic.ts"
import { decodeAnthropicStream } from "./anthropic/decodeAnthropicStream.ts"
import { type Endpoint, type Provider, serialized } from "./Provider.ts"

const defaultBaseUrl = "https://api.anthropic.com"
const defaultVersion = "2023-06-01"

const paths: Partial<Record<Endpoint, string>> = {
  chat: "/v1/messages",
  count_tokens: "/v1/messages/count_tokens",
  models: "/v1/models"
}

/** Anthropic's Messages API. A base URL given with or without its `/v1` reaches the same paths. */
export const anthropic: Provider = {
  dialect: "anthropic",
  translator: { fromChat: chatToAnthropic, toChat: anthropicToChat, decodeStream: decodeAnthropicStream },
  defaultBaseUrl,
  requiresKey: true,
  endpoints: new Set(["chat", "count_tokens", "models"]),
  toRequest: ({ endpoint, body, target, clientHeaders }) => {
    const headers: Record<string, string> = { ...target.provider.headers }
    if (body !== undefined) headers["content-type"] = "application/json"
    if (target.key !== undefined) headers["x-api-key"] = Redacted.value(target.key)
    // The client's version and betas win over the provider's configured headers, which win over the default.
    headers["anthropic-version"] = clientHeaders.get("anthropic-version") ?? headers["anthropic-version"] ?? defaultVersion
    const beta = clientHeaders.get("anthropic-beta")
    if (beta !== null) headers["anthropic-beta"] = beta
    const base = (target.provider.baseUrl ?? defaultBaseUrl).replace(/\/+$/, "").replace(/\/v1$/, "")
    return {
      method: body === undefined ? "GET" : "POST",
      // Other endpoints are refused before any call.
      url: base + (paths[endpoint] ?? paths.chat),
      headers,
      body: body === undefined ? undefined : serialized(body)
    }
  },
  classify: classifyAnthropic
}
