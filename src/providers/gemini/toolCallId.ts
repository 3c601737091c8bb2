const separator = "__ts_"
const generatedPrefix = "call_"

const toBase64Url = (base64: string) => base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
const fromBase64Url = (url: string) => {
  const base64 = url.replace(/-/g, "+").replace(/_/g, "/")
  return base64 + "=".repeat((4 - (base64.length % 4)) % 4)
}

/**
 * The canonical tool call id of a Gemini `functionCall`: `${base}__ts_${base64url(thoughtSignature)}`, where base
 * is Gemini's own id or a generated `call_…`. Carrying the signature in the id lets it survive clients that echo
 * ids but drop unknown fields (any Anthropic or Responses client); base64url keeps ids within /^[A-Za-z0-9_-]+$/,
 * which Anthropic requires. A signature that is not padded standard base64 (Gemini's always are) would not come
 * back identical, so it rides only in `extra_content`.
 */
export const toolCallId = {
  encode: (geminiId: string | undefined, signature: string | undefined, generated: () => string): string => {
    const base = geminiId ?? `${generatedPrefix}${generated()}`
    if (signature === undefined || signature === "") return base
    const encoded = toBase64Url(signature)
    return /^[A-Za-z0-9_-]+$/.test(encoded) && fromBase64Url(encoded) === signature ? `${base}${separator}${encoded}` : base
  },
  /**
   * `geminiId` is the base only when Gemini issued it: ours start with `call_`, as do OpenAI's, and Gemini has
   * no use for either (it pairs calls and responses by order when they have no id).
   */
  decode: (id: string): { readonly geminiId: string | undefined; readonly signature: string | undefined } => {
    const at = id.indexOf(separator)
    const base = at < 0 ? id : id.slice(0, at)
    return {
      geminiId: base.startsWith(generatedPrefix) || base === "" ? undefined : base,
      signature: at < 0 || at + separator.length === id.length ? undefined : fromBase64Url(id.slice(at + separator.length))
    }
  }
}
