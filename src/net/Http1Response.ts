import type { HeaderReader } from "../domain/HeaderReader.ts"
import type { UpstreamResponse } from "./UpstreamResponse.ts"

const encoder = new TextEncoder()

/** An answer of `http1Fetch`: its body is a stream, or text that all came with the head (decoded as UTF-8). */
export class Http1Response implements UpstreamResponse {
  readonly ok: boolean
  readonly whole: string | undefined
  #body: ReadableStream<Uint8Array> | null

  constructor(readonly status: number, readonly headers: HeaderReader, body: ReadableStream<Uint8Array> | string | null) {
    this.ok = status >= 200 && status < 300
    this.whole = typeof body === "string" ? body : undefined
    this.#body = typeof body === "string" ? null : body
  }

  get body(): ReadableStream<Uint8Array> | null {
    const whole = this.whole
    if (this.#body === null && whole !== undefined) {
      this.#body = new ReadableStream<Uint8Array>({
        start: (controller) => {
          controller.enqueue(encoder.encode(whole))
          controller.close()
        }
      })
    }
    return this.#body
  }

  text(): Promise<string> {
    if (this.whole !== undefined) return Promise.resolve(this.whole)
    return this.#body === null ? Promise.resolve("") : new Response(this.#body).text()
  }
}
