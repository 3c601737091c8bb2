const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/** The candidate nearest to `name` by edit distance, if it is near enough to be a likely typo. */
export const closestName = (name: string, candidates: ReadonlyArray<string>): string | undefined => {
  const limit = Math.max(2, Math.floor(name.length / 3))
  let best: { readonly name: string; readonly distance: number } | undefined
  for (const candidate of candidates) {
    const d = distance(name, candidate)
    if (d <= limit && (best === undefined || d < best.distance)) best = { name: candidate, distance: d }
  }
  return best?.name
}
