const isoPattern = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+ -]\d{2}:?\d{2})?)?$/i

/**
 * Epoch ms from an ISO-8601 time (`2025-01-31`, `2025-01-31T12:00:00Z`) or epoch milliseconds; undefined if neither.
 * A time without a zone is UTC, like a bare date, never the server's local time.
 */
export const timeOf = (value: string): number | undefined => {
  if (/^\d{1,16}$/.test(value)) return Number(value)
  const parts = isoPattern.exec(value)
  if (parts === null) return undefined
  const [, date, time, zone] = parts
  // Date.parse rolls 2025-02-30 over to March: a day that does not exist is refused.
  const midnight = Date.parse(`${date}T00:00:00Z`)
  if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== date) return undefined
  // An unencoded `+02:00` arrives as ` 02:00` (a query string's `+` is a space).
  const ms = Date.parse(time === undefined ? `${date}T00:00:00Z` : `${date}T${time}${zone?.replace(" ", "+") ?? "Z"}`)
  return Number.isNaN(ms) ? undefined : ms
}
