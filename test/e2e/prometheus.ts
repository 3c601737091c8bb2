export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:[0-9.e+-]+|NaN|\+Inf|-Inf))(?: -?\d+)?$/
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y
const typeLine = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/

/**
 * Parses Prometheus text exposition strictly enough to catch a broken one: every sample line must be
 * well-formed, belong to a family declared by a `# TYPE` line before it, and label values must be quoted.
 */
export const parsePrometheus = (text: string): ReadonlyArray<Sample> => {
  if (!text.endsWith("\n")) throw new Error("exposition must end with a newline")
  const families = new Map<string, string>()
  const samples: Array<Sample> = []
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ")) continue
    const type = typeLine.exec(line)
    if (type) {
      if (families.has(type[1]!)) throw new Error(`family declared twice: ${type[1]}`)
      families.set(type[1]!, type[2]!)
      continue
    }
    if (line.startsWith("#")) throw new Error(`unknown comment line: ${line}`)
    const match = sampleLine.exec(line)
    if (!match) throw new Error(`malformed sample line: ${line}`)
    const name = match[1]!
    const family = [...families.keys()].find((f) => name === f || (name.startsWith(`${f}_`) && ["_bucket", "_sum", "_count"].includes(name.slice(f.length))))
    if (family === undefined) throw new Error(`sample before its # TYPE: ${line}`)
    const labels: Record<string, string> = {}
    const raw = match[2] ?? ""
    labelPair.lastIndex = 0
    while (labelPair.lastIndex < raw.length) {
      const pair = labelPair.exec(raw)
      if (!pair) throw new Error(`malformed labels: ${line}`)
      labels[pair[1]!] = pair[2]!
    }
    samples.push({ name, labels, value: Number(match[3]!.replace("+Inf", "Infinity")) })
  }
  return samples
}

/** The sum of the samples of `name` whose labels include `labels`. */
export const valueOf = (samples: ReadonlyArray<Sample>, name: string, labels: Record<string, string> = {}): number =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0)
