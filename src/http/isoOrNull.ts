/** Epoch ms as an ISO-8601 time for JSON; null stays null. */
export const isoOrNull = (ms: number | null | undefined): string | null => ms === null || ms === undefined ? null : new Date(ms).toISOString()
