import type { Picker } from "./Picker.ts"

/**
 * Smooth weighted round robin (nginx's): exact proportions over every cycle of the weights, evenly spread.
 * An unavailable candidate is left out of the round, its state untouched, so the others' shares settle back
 * within a cycle once it returns.
 */
export const weighted = (): Picker => {
  const current: Array<number> = []
  return {
    pick: (views, available) => {
      let total = 0
      let best: number | undefined
      views.forEach((view, i) => {
        if (!available[i]) return
        current[i] = (current[i] ?? 0) + view.weight
        total += view.weight
        if (best === undefined || current[i]! > current[best]!) best = i
      })
      if (best !== undefined) current[best]! -= total
      return best
    }
  }
}
