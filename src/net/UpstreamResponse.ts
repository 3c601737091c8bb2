import type { HeaderReader } from "../domain/HeaderReader.ts"

/** The part of a fetch `Response` the gateway uses: a `Response` satisfies it, and so does `Http1Response`. */
export interface UpstreamResponse {
  readonly status: number
  readonly ok: boolean
  readonly headers: HeaderReader
  readonly body: ReadableStream<Uint8Array> | null
  readonly text: () => Promise<string>
}
