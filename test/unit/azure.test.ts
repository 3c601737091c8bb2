import { describe, expect, test } from "bun:test"
import { Redacted } from "effect"
import { azure } from "../../src/providers/azure.ts"
import type { RequestSpec } from "../../src/providers/Provider.ts"

const spec = (fields: Partial<RequestSpec> = {}, apiVersion?: string): RequestSpec => ({
  endpoint: "chat",
  body: { model: "prod-gpt4o", messages: [] },
  stream: false,
  target: {
    provider: { name: "az", type: "azure", baseUrl: "https://acme.openai.azure.com/", headers: {}, apiVersion },
    key: Redacted.make("az-secret"),
    upstreamModel: "prod-gpt4o"
  },
  clientHeaders: new Headers(),
  ...fields
})

describe("azure adapter", () => {
  test("the deployment comes from the upstream model name and the key goes in api-key, not Authorization", () => {
    const request = azure.toRequest(spec({}, "2025-01-01-preview"))
    expect(request.url).toBe("https://acme.openai.azure.com/openai/deployments/prod-gpt4o/chat/completions?api-version=2025-01-01-preview")
    expect(request.headers["api-key"]).toBe("az-secret")
    expect(request.headers.authorization).toBeUndefined()
  })

  test("embeddings and models have their own paths; a default api-version applies", () => {
    expect(azure.toRequest(spec({ endpoint: "embeddings" })).url)
      .toBe("https://acme.openai.azure.com/openai/deployments/prod-gpt4o/embeddings?api-version=2024-10-21")
    const models = azure.toRequest(spec({ endpoint: "models", body: undefined }))
    expect(models.method).toBe("GET")
    expect(models.url).toBe("https://acme.openai.azure.com/openai/models?api-version=2024-10-21")
  })

  test("needs a base URL and a key, and speaks OpenAI's dialect", () => {
    expect(azure.defaultBaseUrl).toBeUndefined()
    expect(azure.requiresKey).toBe(true)
    expect(azure.dialect).toBe("openai")
  })
})
