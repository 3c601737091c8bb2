/** A local token estimate (about four characters a token) for when the upstream reports no usage. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4)
