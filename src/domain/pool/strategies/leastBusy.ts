import { lowest } from "./lowest.ts"
import type { Picker, TargetView } from "./Picker.ts"
import { weighted } from "./weighted.ts"

/**
 * The candidate with the least in flight. When every available candidate has a concurrency limit, "least" is
 * utilisation (inFlight / concurrency), so a key allowed 10 at a time with 2 running beats one allowed 2 with 1;
 * when any is unlimited there is no common scale and raw inFlight counts are compared.
 * Ties go to smooth weighted round robin: equal candidates share traffic in proportion to their weights (a strict
 * "heaviest wins" would starve the lighter ones whenever requests arrive one at a time and all stand at 0).
 */
export const leastBusy = (): Picker => {
  const ties = weighted()
  return {
    pick: (views, available) => {
      const limited = views.every((view, i) => !available[i] || view.concurrency !== undefined)
      const load = (view: TargetView) =>
        limited && view.concurrency !== undefined ? view.inFlight / view.concurrency : view.inFlight
      return ties.pick(views, lowest(views, available, load))
    }
  }
}
