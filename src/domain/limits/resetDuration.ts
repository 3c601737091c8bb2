/** A wait as OpenAI's `x-ratelimit-reset-*` headers write it: `20ms`, `1.5s`, `6m0s`. */
export const resetDuration = (ms: number): string => {
  const whole = Math.max(0, Math.ceil(ms))
  if (whole < 1000) return `${whole}ms`
  if (whole < 60_000) return `${Number((whole / 1000).toFixed(3))}s`
  const minutes = Math.floor(whole / 60_000)
  return `${minutes}m${Number(((whole - minutes * 60_000) / 1000).toFixed(3))}s`
}
