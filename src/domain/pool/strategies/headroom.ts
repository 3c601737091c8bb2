import { lowest } from "./lowest.ts"
import type { Picker } from "./Picker.ts"
import { weighted } from "./weighted.ts"

/** The candidate with the most headroom left; ties (say, all unlimited at 1) share by smooth weighted round robin. */
export const headroom = (): Picker => {
  const ties = weighted()
  return { pick: (views, available) => ties.pick(views, lowest(views, available, (view) => -view.headroom)) }
}
