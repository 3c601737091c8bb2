import { lowest } from "./lowest.ts"
import type { Picker, TargetView } from "./Picker.ts"
import { weighted } from "./weighted.ts"

// An unmeasured candidate with nothing in flight goes first, so every candidate gets measured; once its probe is
// in flight it waits behind the measured ones, so that a burst does not all land on a key nobody has timed yet.
const score = (view: TargetView): number =>
  view.latencyMs !== undefined ? view.latencyMs : view.inFlight === 0 ? -Infinity : Infinity

/** The candidate with the lowest EWMA latency, unmeasured ones first; ties share by smooth weighted round robin. */
export const latency = (): Picker => {
  const ties = weighted()
  return { pick: (views, available) => ties.pick(views, lowest(views, available, score)) }
}
