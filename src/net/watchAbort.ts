/** One signal being watched, in a doubly linked list: constant time to add and to remove. */
class Watch {
  prev: Watch | undefined = undefined
  next: Watch | undefined = undefined
  watching = true

  constructor(readonly signal: AbortSignal, readonly onAbort: () => void) {}

  /** No call comes after this. */
  stop() {
    if (!this.watching) return
    this.watching = false
    if (this.prev === undefined) first = this.next
    else this.prev.next = this.next
    if (this.next !== undefined) this.next.prev = this.prev
    this.prev = this.next = undefined
  }
}

const everyMs = 25
let first: Watch | undefined
let timer: Timer | undefined

const sweep = () => {
  for (let watch = first; watch !== undefined;) {
    const next = watch.next
    if (watch.signal.aborted) {
      watch.stop()
      watch.onAbort()
    }
    watch = next
  }
  if (first === undefined) {
    clearInterval(timer)
    timer = undefined
  }
}

/**
 * Calls `onAbort` within 25 ms of `signal` aborting, until stopped. Bun marks a request's signal aborted when its
 * client disconnects whether or not anything listens, and a listener on each request's signal cost a
 * measurable share of a proxied request's CPU: the signals of requests in flight are polled instead, well
 * within the 100 ms in which a client's hang-up must reach the upstream.
 */
export const watchAbort = (signal: AbortSignal, onAbort: () => void): Watch => {
  const watch = new Watch(signal, onAbort)
  watch.next = first
  if (first !== undefined) first.prev = watch
  first = watch
  if (timer === undefined) {
    timer = setInterval(sweep, everyMs)
    timer.unref()
  }
  return watch
}
