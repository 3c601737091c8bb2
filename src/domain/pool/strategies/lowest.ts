import type { TargetView } from "./Picker.ts"

/** Which candidates are available and share the lowest `score`: the ties a strategy hands to its tie-breaker. */
export const lowest = (
  views: ReadonlyArray<TargetView>,
  available: ReadonlyArray<boolean>,
  score: (view: TargetView) => number
): Array<boolean> => {
  let best = Infinity
  views.forEach((view, i) => {
    if (available[i]) best = Math.min(best, score(view))
  })
  return views.map((view, i) => available[i] === true && score(view) === best)
}
