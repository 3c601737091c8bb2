import { anthropic } from "./anthropic.ts"
import { azure } from "./azure.ts"
import { gemini } from "./gemini.ts"
import { mock } from "./mock.ts"
import { openaiCompatible } from "./openaiCompatible.ts"
import type { Provider } from "./Provider.ts"

/** Every provider `type` a config may name. The config schema derives its valid types from these keys. */
export const providers = {
  openai: openaiCompatible({ baseUrl: "https://api.openai.com/v1", requiresKey: true }),
  "openai-compatible": openaiCompatible(),
  deepseek: openaiCompatible({ baseUrl: "https://api.deepseek.com/v1", requiresKey: true }),
  zhipu: openaiCompatible({ baseUrl: "https://open.bigmodel.cn/api/paas/v4", requiresKey: true }),
  moonshot: openaiCompatible({ baseUrl: "https://api.moonshot.ai/v1", requiresKey: true }),
  qwen: openaiCompatible({ baseUrl: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", requiresKey: true }),
  groq: openaiCompatible({ baseUrl: "https://api.groq.com/openai/v1", requiresKey: true }),
  together: openaiCompatible({ baseUrl: "https://api.together.xyz/v1", requiresKey: true }),
  openrouter: openaiCompatible({ baseUrl: "https://openrouter.ai/api/v1", requiresKey: true }),
  mistral: openaiCompatible({ baseUrl: "https://api.mistral.ai/v1", requiresKey: true }),
  xai: openaiCompatible({ baseUrl: "https://api.x.ai/v1", requiresKey: true }),
  ollama: openaiCompatible({ baseUrl: "http://127.0.0.1:11434/v1" }),
  vllm: openaiCompatible({ baseUrl: "http://127.0.0.1:8000/v1" }),
  lmstudio: openaiCompatible({ baseUrl: "http://127.0.0.1:1234/v1" }),
  anthropic,
  gemini,
  azure,
  mock
} satisfies Record<string, Provider>

export type ProviderType = keyof typeof providers

export const providerTypes = Object.keys(providers) as ReadonlyArray<ProviderType>

export const isProviderType = (type: string): type is ProviderType => Object.hasOwn(providers, type)
