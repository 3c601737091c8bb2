/** What the gateway reads from an upstream's headers: `Headers` satisfies it, and so does the HTTP/1.1 client's view of a response head. */
export interface HeaderReader {
  readonly get: (name: string) => string | null
}
