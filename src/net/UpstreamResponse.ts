import type { HeaderReader } from "../domain/HeaderReader.ts"

/** The part of a fetch `Response` the gateway uses: a `Response` satisfies it (with no `whole`), and so does `Http1Response`. */
export interface UpstreamResponse {
  readonly status: number
  readonly ok: boolean
  readonly headers: HeaderReader
  readonly body: ReadableStream<Uint8Array> | null
  /** The body's text when it is in memory already (it all came with the head): nothing left to read. */
  readonly whole?: string | undefined
  readonly text: () => Promise<string>
}
