import type { HeaderReader } from "../domain/HeaderReader.ts"
import type { UpstreamResponse } from "./UpstreamResponse.ts"

const decoder = new TextDecoder()

/** An answer of `http1Fetch`: its body is a stream, or bytes that all came with the head. */
export class Http1Response implements UpstreamResponse {
  readonly ok: boolean
  readonly #whole: Uint8Array | undefined
  #body: ReadableStream<Uint8Array> | null

  constructor(readonly status: number, readonly headers: HeaderReader, body: ReadableStream<Uint8Array> | Uint8Array | null) {
    this.ok = status >= 200 && status < 300
    this.#whole = body instanceof Uint8Array ? body : undefined
    this.#body = body instanceof Uint8Array ? null : body
  }

  get body(): ReadableStream<Uint8Array> | null {
    const whole = this.#whole
    if (this.#body === null && whole !== undefined) {
      this.#body = new ReadableStream<Uint8Array>({
        start: (controller) => {
          controller.enqueue(whole)
          controller.close()
        }
      })
    }
    return this.#body
  }

  text(): Promise<string> {
    if (this.#whole !== undefined) return Promise.resolve(decoder.decode(this.#whole))
    return this.#body === null ? Promise.resolve("") : new Response(this.#body).text()
  }
}
