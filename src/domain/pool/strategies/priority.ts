import type { Picker } from "./Picker.ts"

/** The first available candidate, in configured order. */
export const priority = (): Picker => ({
  pick: (views, available) => {
    const index = views.findIndex((_, i) => available[i])
    return index < 0 ? undefined : index
  }
})
