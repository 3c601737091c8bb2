export interface DotEnv {
  readonly vars: Readonly<Record<string, string>>
  /** 1-based numbers of lines that are not `KEY=value`, blank or a comment. */
  readonly badLines: ReadonlyArray<number>
}

const assignment = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/

const doubleQuoted = /^"((?:[^"\\]|\\.)*)"/
const singleQuoted = /^'([^']*)'/

// Text after a closing quote, or after whitespace in an unquoted value, may be a `# comment`.
const readValue = (raw: string): string => {
  const double = doubleQuoted.exec(raw)
  if (double) return (double[1] ?? "").replace(/\\(.)/g, (_match, char: string) => char === "n" ? "\n" : char)
  const single = singleQuoted.exec(raw)
  if (single) return single[1] ?? ""
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
    else vars[match[1]] = readValue(match[2] ?? "")
  })
  return { vars, badLines }
}
