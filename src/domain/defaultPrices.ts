/** USD per million tokens. `cachedInputPerMtok` is the cache-read price; absent means cached tokens bill as input. */
export interface Price {
  readonly inputPerMtok: number
  readonly outputPerMtok: number
  readonly cachedInputPerMtok?: number
  /** The most a response may generate: a budget reserves this for a request that sets no max_tokens. */
  readonly maxOutputTokens?: number
}

/**
 * List prices shipped in the binary (standard tier, shortest context band; checked against the providers'
 * pricing pages, late 2025 / early 2026). Config `pricing` overrides any entry by exact name.
 */
export const defaultPrices: Readonly<Record<string, Price>> = {
  // anthropic (cached = cache read)
  "claude-3-5-haiku": { inputPerMtok: 0.8, outputPerMtok: 4, cachedInputPerMtok: 0.08 },
  "claude-3-5-sonnet": { inputPerMtok: 3, outputPerMtok: 15, cachedInputPerMtok: 0.3 },
  "claude-3-7-sonnet": { inputPerMtok: 3, outputPerMtok: 15, cachedInputPerMtok: 0.3 },
  "claude-3-haiku": { inputPerMtok: 0.25, outputPerMtok: 1.25, cachedInputPerMtok: 0.03 },
  "claude-haiku-4-5": { inputPerMtok: 1, outputPerMtok: 5, cachedInputPerMtok: 0.1 },
  "claude-opus-4": { inputPerMtok: 15, outputPerMtok: 75, cachedInputPerMtok: 1.5 },
  "claude-opus-4-1": { inputPerMtok: 15, outputPerMtok: 75, cachedInputPerMtok: 1.5 },
  "claude-sonnet-4": { inputPerMtok: 3, outputPerMtok: 15, cachedInputPerMtok: 0.3 },
  "claude-sonnet-4-5": { inputPerMtok: 3, outputPerMtok: 15, cachedInputPerMtok: 0.3 },

  // deepseek (V3.2 behind both names; cached = cache hit)
  "deepseek-chat": { inputPerMtok: 0.28, outputPerMtok: 0.42, cachedInputPerMtok: 0.028 },
  "deepseek-reasoner": { inputPerMtok: 0.28, outputPerMtok: 0.42, cachedInputPerMtok: 0.028 },

  // gemini (prompts <= 200k / 128k tokens)
  "gemini-1.5-flash": { inputPerMtok: 0.075, outputPerMtok: 0.3, cachedInputPerMtok: 0.01875 },
  "gemini-1.5-pro": { inputPerMtok: 1.25, outputPerMtok: 5, cachedInputPerMtok: 0.3125 },
  "gemini-2.0-flash": { inputPerMtok: 0.1, outputPerMtok: 0.4, cachedInputPerMtok: 0.025 },
  "gemini-2.5-flash": { inputPerMtok: 0.3, outputPerMtok: 2.5, cachedInputPerMtok: 0.03 },
  "gemini-2.5-flash-lite": { inputPerMtok: 0.1, outputPerMtok: 0.4, cachedInputPerMtok: 0.01 },
  "gemini-2.5-pro": { inputPerMtok: 1.25, outputPerMtok: 10, cachedInputPerMtok: 0.125 },

  // groq
  "llama-3.1-8b-instant": { inputPerMtok: 0.05, outputPerMtok: 0.08 },
  "llama-3.3-70b-versatile": { inputPerMtok: 0.59, outputPerMtok: 0.79 },

  // mistral (`-latest` is Large 3; the dated 2411 entry keeps Large 2.1 from normalising onto it)
  "codestral-latest": { inputPerMtok: 0.3, outputPerMtok: 0.9 },
  "mistral-large-2411": { inputPerMtok: 2, outputPerMtok: 6 },
  "mistral-large-latest": { inputPerMtok: 0.5, outputPerMtok: 1.5 },
  "mistral-small-latest": { inputPerMtok: 0.1, outputPerMtok: 0.3 },

  // mock (built-in provider)
  "mock-embed": { inputPerMtok: 0.02, outputPerMtok: 0 },
  "mock-gpt": { inputPerMtok: 0.5, outputPerMtok: 1.5 },

  // moonshot (international platform)
  "kimi-k2": { inputPerMtok: 0.6, outputPerMtok: 2.5, cachedInputPerMtok: 0.15 },
  "moonshot-v1-8k": { inputPerMtok: 0.2, outputPerMtok: 2 },

  // openai (the 2024-05-13 snapshot of gpt-4o kept its launch price, unlike the later ones)
  "gpt-3.5-turbo": { inputPerMtok: 0.5, outputPerMtok: 1.5 },
  "gpt-3.5-turbo-instruct": { inputPerMtok: 1.5, outputPerMtok: 2 },
  "gpt-4-turbo": { inputPerMtok: 10, outputPerMtok: 30 },
  "gpt-4.1": { inputPerMtok: 2, outputPerMtok: 8, cachedInputPerMtok: 0.5 },
  "gpt-4.1-mini": { inputPerMtok: 0.4, outputPerMtok: 1.6, cachedInputPerMtok: 0.1 },
  "gpt-4.1-nano": { inputPerMtok: 0.1, outputPerMtok: 0.4, cachedInputPerMtok: 0.025 },
  "gpt-4o": { inputPerMtok: 2.5, outputPerMtok: 10, cachedInputPerMtok: 1.25 },
  "gpt-4o-2024-05-13": { inputPerMtok: 5, outputPerMtok: 15 },
  "gpt-4o-mini": { inputPerMtok: 0.15, outputPerMtok: 0.6, cachedInputPerMtok: 0.075 },
  "gpt-5": { inputPerMtok: 1.25, outputPerMtok: 10, cachedInputPerMtok: 0.125 },
  "gpt-5-mini": { inputPerMtok: 0.25, outputPerMtok: 2, cachedInputPerMtok: 0.025 },
  "gpt-5-nano": { inputPerMtok: 0.05, outputPerMtok: 0.4, cachedInputPerMtok: 0.005 },
  "o1": { inputPerMtok: 15, outputPerMtok: 60, cachedInputPerMtok: 7.5 },
  "o3": { inputPerMtok: 2, outputPerMtok: 8, cachedInputPerMtok: 0.5 },
  "o3-mini": { inputPerMtok: 1.1, outputPerMtok: 4.4, cachedInputPerMtok: 0.55 },
  "o4-mini": { inputPerMtok: 1.1, outputPerMtok: 4.4, cachedInputPerMtok: 0.275 },
  "text-embedding-3-large": { inputPerMtok: 0.13, outputPerMtok: 0 },
  "text-embedding-3-small": { inputPerMtok: 0.02, outputPerMtok: 0 },
  "text-embedding-ada-002": { inputPerMtok: 0.1, outputPerMtok: 0 },

  // qwen (Model Studio international, first input band)
  "qwen-max": { inputPerMtok: 1.6, outputPerMtok: 6.4 },
  "qwen-plus": { inputPerMtok: 0.4, outputPerMtok: 1.2 },
  "qwen-turbo": { inputPerMtok: 0.05, outputPerMtok: 0.2 },

  // together
  "meta-llama/Llama-3.3-70B-Instruct-Turbo": { inputPerMtok: 0.88, outputPerMtok: 0.88 },

  // xai
  "grok-3": { inputPerMtok: 3, outputPerMtok: 15, cachedInputPerMtok: 0.75 },
  "grok-3-mini": { inputPerMtok: 0.3, outputPerMtok: 0.5, cachedInputPerMtok: 0.075 },
  "grok-4": { inputPerMtok: 3, outputPerMtok: 15, cachedInputPerMtok: 0.75 },

  // zhipu (z.ai USD prices; glm-4-plus is only sold in CNY, ¥5/Mtok converted)
  "glm-4-plus": { inputPerMtok: 0.7, outputPerMtok: 0.7 },
  "glm-4.5": { inputPerMtok: 0.6, outputPerMtok: 2.2, cachedInputPerMtok: 0.11 },
  "glm-4.5-air": { inputPerMtok: 0.2, outputPerMtok: 1.1, cachedInputPerMtok: 0.03 }
}
