import { Predicate } from "effect"
import type { GeminiCandidate, GeminiFunctionCall } from "./GeminiWire.ts"

export type GeminiOutput =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "thought"; readonly text: string }
  | { readonly kind: "call"; readonly call: GeminiFunctionCall; readonly signature: string | undefined }

/**
 * What a candidate's parts say, in order. Signatures on text parts are dropped: Gemini validates only those of
 * function calls, and a text part carrying one (often empty, at the end of a stream) has nothing else to say.
 */
export const geminiParts = (candidate: GeminiCandidate | undefined): ReadonlyArray<GeminiOutput> => {
  const parts = candidate?.content?.parts
  if (!Array.isArray(parts)) return []
  return parts.flatMap((part): Array<GeminiOutput> => {
    if (!Predicate.isObject(part)) return []
    const call: unknown = part.functionCall
    if (Predicate.isObject(call) && Predicate.isString(call.name)) {
      const { id, name, args } = call
      return [{
        kind: "call",
        call: {
          ...(Predicate.isString(id) && id !== "" ? { id } : {}),
          name,
          ...(Predicate.isObject(args) && !Array.isArray(args) ? { args } : {})
        },
        signature: Predicate.isString(part.thoughtSignature) ? part.thoughtSignature : undefined
      }]
    }
    if (Predicate.isString(part.text) && part.text !== "") {
      return [{ kind: part.thought === true ? "thought" : "text", text: part.text }]
    }
    return []
  })
}
