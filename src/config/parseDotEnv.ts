export interface DotEnv {
  readonly vars: Readonly<Record<string, string>>
  /** 1-based numbers of lines that are not `KEY=value`, blank or a comment. */
  readonly badLines: ReadonlyArray<number>
}

const assignment = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/

const unquote = (raw: string): string => {
  const quote = raw[0]
  if ((quote === `"` || quote === `'`) && raw.length >= 2 && raw.endsWith(quote)) {
    const inner = raw.slice(1, -1)
    return quote === `"` ? inner.replaceAll("\\n", "\n").replaceAll(`\\"`, `"`) : inner
  }
  // Unquoted values may end with a ` # comment`.
  return raw.replace(/\s+#.*$/, "").trim()
}

/** Parses a `.env` file: `KEY=value` lines, optional `export`, quotes, and `#` comments. */
export const parseDotEnv = (text: string): DotEnv => {
  const vars: Record<string, string> = {}
  const badLines: Array<number> = []
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim()
    if (trimmed === "" || trimmed.startsWith("#")) return
    const match = assignment.exec(trimmed)
    if (match?.[1] === undefined) badLines.push(index + 1)
    else vars[match[1]] = unquote(match[2] ?? "")
  })
  return { vars, badLines }
}
