import type { Period } from "../VirtualKey.ts"

const dayMs = 86_400_000

/**
 * The calendar period (UTC) that `now` falls in: days start at 00:00, weeks on Monday, months on the 1st.
 * `total` never rolls over.
 */
export const periodBounds = (period: Period, now: number): { readonly start: number; readonly end: number | null } => {
  const date = new Date(now)
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())
  switch (period) {
    case "daily":
      return { start: day, end: day + dayMs }
    case "weekly": {
      const start = day - ((date.getUTCDay() + 6) % 7) * dayMs
      return { start, end: start + 7 * dayMs }
    }
    case "monthly":
      return { start: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1), end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) }
    case "total":
      return { start: 0, end: null }
  }
}
