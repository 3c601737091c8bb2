/** The mark of a masked secret: a value holding it was shown by the API, not typed by a person. */
export const maskMark = "…"

// Below this length even a prefix and 4 characters would give away too much of a secret.
const shownFrom = 16

/** A secret as the admin API shows it: its kind prefix and last 4 characters (`sk-…abcd`), or only `…` when short. */
export const maskSecret = (secret: string): string => {
  if (secret.length < shownFrom) return maskMark
  const prefix = /^[A-Za-z]{1,6}-(?:[A-Za-z]{1,6}-)?/.exec(secret)?.[0] ?? ""
  return `${prefix}${maskMark}${secret.slice(-4)}`
}
