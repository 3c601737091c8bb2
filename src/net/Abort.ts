/**
 * An abort with one listener: what an AbortController gives a single consumer, without an event target. One is
 * made for every upstream exchange, and a controller with a listener added and removed each time cost a
 * measurable share of a proxied request's CPU.
 */
export class Abort {
  aborted = false
  reason: unknown = undefined
  #listener: (() => void) | undefined = undefined

  abort(reason: unknown) {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const listener = this.#listener
    this.#listener = undefined
    listener?.()
  }

  /** Replaces the listener (`undefined` removes it); it is called once, on the first abort. */
  listen(listener: (() => void) | undefined) {
    this.#listener = listener
  }

  /** An AbortSignal that follows this abort, for an API that takes one (it takes the listener). */
  signal(): AbortSignal {
    const controller = new AbortController()
    if (this.aborted) controller.abort(this.reason)
    else this.listen(() => controller.abort(this.reason))
    return controller.signal
  }
}
