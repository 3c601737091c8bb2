import type { Picker } from "./Picker.ts"

/** Weighted random by `weight`; `random` returns a number in [0, 1) like Math.random. */
export const random = (random: () => number): Picker => ({
  pick: (views, available) => {
    let total = 0
    views.forEach((view, i) => {
      if (available[i]) total += view.weight
    })
    let left = random() * total
    let chosen: number | undefined
    for (const [i, view] of views.entries()) {
      if (!available[i]) continue
      chosen = i
      left -= view.weight
      if (left < 0) return i
    }
    // Reached only through float rounding when random() is just under 1: the last available one.
    return chosen
  }
})
