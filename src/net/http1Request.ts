// The request side of `http1Fetch`: where a URL goes, and the bytes that ask for it.
import type { Http1Init } from "./http1Fetch.ts"

/** Where a URL goes: the connection pool it shares with its host, and the request target (path and query). */
export interface Origin {
  readonly key: string
  readonly hostname: string
  readonly port: number
  readonly hostHeader: string
  readonly path: string
}

const tokenName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const badValue = /[\r\n\0]/
/** Headers the client writes itself. */
const framing = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade"])

const originOf = (url: URL): Origin => ({
  key: url.host,
  hostname: url.hostname.replace(/^\[|\]$/g, ""),
  port: Number(url.port) || 80,
  hostHeader: url.host,
  path: url.pathname + url.search
})

/** Header names checked before, lower-cased: an adapter sends the same few on every request. */
const checkedNames = new Map<string, string>()

const lowerName = (name: string): string | undefined => {
  let lower = checkedNames.get(name)
  if (lower === undefined) {
    if (!tokenName.test(name)) return undefined
    if (checkedNames.size >= 256) checkedNames.clear()
    checkedNames.set(name, lower = name.toLowerCase())
  }
  return lower
}

/** Origins by URL: an upstream's few URLs are parsed once. */
const origins = new Map<string, Origin>()
const maxOrigins = 1024

/** Where `url` goes; only plain-HTTP URLs are taken. */
export const originFor = (url: string): Origin => {
  let origin = origins.get(url)
  if (origin === undefined) {
    const parsed = new URL(url)
    if (parsed.protocol !== "http:") throw new TypeError(`http1Fetch speaks plain HTTP only, not ${parsed.protocol}`)
    if (origins.size >= maxOrigins) origins.clear()
    origins.set(url, origin = originOf(parsed))
  }
  return origin
}

/** The request's bytes as one string (one write), and their length in bytes. */
export const requestText = (origin: Origin, init: Http1Init): { readonly payload: string; readonly bytes: number } => {
  let head = `${init.method} ${origin.path} HTTP/1.1\r\n`
  let host = false
  let encoding = false
  for (const name in init.headers) {
    const value = init.headers[name]!
    const lower = lowerName(name)
    if (lower === undefined || badValue.test(value)) throw new TypeError(`Invalid header '${name}'`)
    if (framing.has(lower)) continue
    if (lower === "host") host = true
    if (lower === "accept-encoding") encoding = true
    head += `${name}: ${value}\r\n`
  }
  if (!host) head += `host: ${origin.hostHeader}\r\n`
  if (!encoding) head += init.compressed ? "accept-encoding: gzip, deflate\r\n" : "accept-encoding: identity\r\n"
  head += "connection: keep-alive\r\n"
  if (init.body === undefined) return { payload: `${head}\r\n`, bytes: Buffer.byteLength(head) + 2 }
  const length = Buffer.byteLength(init.body)
  head += `content-length: ${length}\r\n\r\n`
  return { payload: head + init.body, bytes: Buffer.byteLength(head) + length }
}
