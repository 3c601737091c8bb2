import { Redacted } from "effect"
import { classifyOpenAi } from "./openaiCompatible.ts"
import { openaiTranslator } from "./openaiTranslator.ts"
import { type Endpoint, type Provider, serialized } from "./Provider.ts"

const defaultApiVersion = "2024-10-21"

const paths: Partial<Record<Endpoint, string>> = {
  chat: "/chat/completions",
  completions: "/completions",
  embeddings: "/embeddings"
}

/**
 * Azure OpenAI: OpenAI's wire format at a per-deployment URL. The deployment is the upstream model name, so
 * `model_map` maps a public model to its deployment; `api_version` picks the API version; the key goes in `api-key`.
 */
export const azure: Provider = {
  dialect: "openai",
  translator: openaiTranslator,
  defaultBaseUrl: undefined,
  requiresKey: true,
  endpoints: new Set(["chat", "completions", "embeddings", "models"]),
  toRequest: ({ endpoint, body, target }) => {
    const base = (target.provider.baseUrl ?? "").replace(/\/+$/, "")
    const version = encodeURIComponent(target.provider.apiVersion ?? defaultApiVersion)
    const headers: Record<string, string> = { ...target.provider.headers }
    if (body !== undefined) headers["content-type"] = "application/json"
    if (target.key !== undefined) headers["api-key"] = Redacted.value(target.key)
    const path = endpoint === "models"
      ? "/openai/models"
      : `/openai/deployments/${encodeURIComponent(target.upstreamModel)}${paths[endpoint] ?? ""}`
    return {
      method: body === undefined ? "GET" : "POST",
      url: `${base}${path}?api-version=${version}`,
      headers,
      body: body === undefined ? undefined : serialized(body)
    }
  },
  classify: classifyOpenAi
}
