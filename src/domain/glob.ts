/** `*` matches any run of characters (slashes included), `?` one character; everything else is literal. */
export const glob = (pattern: string): RegExp => {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")
  return new RegExp(`^${source}$`)
}
