const decoder = new TextDecoder()

/**
 * The request body as text, or undefined once it exceeds `limit` bytes. A declared Content-Length over the limit
 * is refused before reading; a chunked body is read only up to the limit.
 */
export const readBody = async (request: Request, limit: number): Promise<string | undefined> => {
  const declared = request.headers.get("content-length")
  if (declared !== null) return Number(declared) > limit ? undefined : request.text()
  if (request.body === null) return ""
  const chunks: Array<Uint8Array> = []
  let size = 0
  for await (const chunk of request.body) {
    size += chunk.byteLength
    if (size > limit) return undefined
    chunks.push(chunk)
  }
  return decoder.decode(Buffer.concat(chunks))
}
