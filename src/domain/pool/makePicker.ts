import { headroom } from "./strategies/headroom.ts"
import { latency } from "./strategies/latency.ts"
import { leastBusy } from "./strategies/leastBusy.ts"
import type { Picker, Strategy } from "./strategies/Picker.ts"
import { priority } from "./strategies/priority.ts"
import { random as weightedRandom } from "./strategies/random.ts"
import { weighted } from "./strategies/weighted.ts"

const factories: { readonly [S in Strategy]: (random: () => number) => Picker } = {
  weighted,
  priority,
  random: weightedRandom,
  "least-busy": leastBusy,
  latency,
  headroom
}

/** A fresh picker for one model route; `random` feeds the random strategy (injected so tests can seed it). */
export const makePicker = (strategy: Strategy, random: () => number = Math.random): Picker =>
  factories[strategy](random)
