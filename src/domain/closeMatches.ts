const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      )
    }
    previous = current
  }
  return previous[b.length]!
}

/** Up to `limit` names close to `name`: by edit distance, or containing it / contained in it. */
export const closeMatches = (name: string, names: Iterable<string>, limit = 3): Array<string> => {
  const needle = name.toLowerCase()
  const scored: Array<[string, number]> = []
  for (const candidate of names) {
    const lower = candidate.toLowerCase()
    const score = lower === needle ? -1 : lower.includes(needle) || needle.includes(lower) ? 0 : distance(needle, lower)
    if (score <= Math.max(2, Math.floor(needle.length / 3))) scored.push([candidate, score])
  }
  return scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).slice(0, limit).map(([n]) => n)
}
