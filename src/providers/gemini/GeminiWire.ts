/**
 * The parts of Google's Gemini API (v1beta `generateContent` / `streamGenerateContent`) this adapter reads
 * and writes, written by hand from the REST reference: no Gemini SDK is installed.
 */

export interface GeminiBlob {
  readonly mimeType: string
  /** Base64. */
  readonly data: string
}

export interface GeminiFileData {
  readonly mimeType?: string
  readonly fileUri: string
}

export interface GeminiFunctionCall {
  readonly id?: string
  readonly name: string
  readonly args?: { readonly [key: string]: unknown }
}

export interface GeminiFunctionResponse {
  readonly id?: string
  readonly name: string
  readonly response: { readonly [key: string]: unknown }
}

export interface GeminiPart {
  readonly text?: string
  /** The text is a thought summary (sent only with `thinkingConfig.includeThoughts`). */
  readonly thought?: boolean
  /** Opaque, base64; Gemini 2.5/3 require the one on a `functionCall` part back on the next turn. */
  readonly thoughtSignature?: string
  readonly inlineData?: GeminiBlob
  readonly fileData?: GeminiFileData
  readonly functionCall?: GeminiFunctionCall
  readonly functionResponse?: GeminiFunctionResponse
}

export type GeminiRole = "user" | "model"

export interface GeminiContent {
  readonly role?: GeminiRole
  readonly parts?: ReadonlyArray<GeminiPart>
}

export interface GeminiFunctionDeclaration {
  readonly name: string
  readonly description?: string
  readonly parametersJsonSchema?: unknown
}

export interface GeminiTool {
  readonly functionDeclarations: ReadonlyArray<GeminiFunctionDeclaration>
}

export type GeminiFunctionCallingMode = "AUTO" | "ANY" | "NONE" | "VALIDATED"

export interface GeminiToolConfig {
  readonly functionCallingConfig: {
    readonly mode: GeminiFunctionCallingMode
    readonly allowedFunctionNames?: ReadonlyArray<string>
  }
}

export interface GeminiThinkingConfig {
  readonly thinkingBudget: number
  readonly includeThoughts?: boolean
}

export interface GeminiGenerationConfig {
  readonly temperature?: number
  readonly topP?: number
  readonly topK?: number
  readonly maxOutputTokens?: number
  readonly stopSequences?: ReadonlyArray<string>
  readonly seed?: number
  readonly presencePenalty?: number
  readonly frequencyPenalty?: number
  readonly responseMimeType?: string
  readonly responseJsonSchema?: unknown
  readonly thinkingConfig?: GeminiThinkingConfig
}

export interface GenerateContentRequest {
  readonly contents: ReadonlyArray<GeminiContent>
  readonly systemInstruction?: GeminiContent
  readonly tools?: ReadonlyArray<GeminiTool>
  readonly toolConfig?: GeminiToolConfig
  readonly generationConfig?: GeminiGenerationConfig
}

export interface GeminiUsageMetadata {
  readonly promptTokenCount?: number
  readonly candidatesTokenCount?: number
  readonly thoughtsTokenCount?: number
  readonly cachedContentTokenCount?: number
  readonly toolUsePromptTokenCount?: number
  readonly totalTokenCount?: number
}

export interface GeminiCandidate {
  readonly content?: GeminiContent
  /** STOP, MAX_TOKENS, SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, MALFORMED_FUNCTION_CALL… */
  readonly finishReason?: string
  readonly index?: number
}

export interface GenerateContentResponse {
  readonly candidates?: ReadonlyArray<GeminiCandidate>
  /** Set when the prompt itself was blocked; there are no candidates then. */
  readonly promptFeedback?: { readonly blockReason?: string; readonly blockReasonMessage?: string }
  readonly usageMetadata?: GeminiUsageMetadata
  readonly modelVersion?: string
  readonly responseId?: string
}

/** Google's error body: `{"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED","details":[…]}}`. */
export interface GoogleError {
  readonly code?: number
  readonly message?: string
  readonly status?: string
  readonly details?: ReadonlyArray<{ readonly "@type"?: string; readonly [key: string]: unknown }>
}
