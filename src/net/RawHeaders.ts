import type { HeaderReader } from "../domain/HeaderReader.ts"

/**
 * A response head read in place: each lookup searches the head's lower-cased text, so a response with twenty
 * headers of which the gateway reads five builds no header map. Repeated headers are joined with `, `, as
 * `Headers.get` does.
 */
export class RawHeaders implements HeaderReader {
  readonly #head: string
  readonly #lower: string

  /** `head`: the status line and header lines, without the blank line that ends them. */
  constructor(head: string) {
    this.#head = head
    this.#lower = head.toLowerCase()
  }

  get(name: string): string | null {
    const key = `\r\n${name.toLowerCase()}:`
    let value: string | null = null
    for (let at = this.#lower.indexOf(key); at >= 0; at = this.#lower.indexOf(key, at + key.length)) {
      const start = at + key.length
      const end = this.#lower.indexOf("\r\n", start)
      const found = this.#head.slice(start, end < 0 ? undefined : end).trim()
      value = value === null ? found : `${value}, ${found}`
    }
    return value
  }
}
