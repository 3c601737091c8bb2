import { type Document, isAlias, isMap, isNode, isScalar, isSeq, type LineCounter } from "yaml"
import { expandEnv } from "./expandEnv.ts"
import { formatPath, type Path, type PathProblem } from "./Path.ts"

export interface Location {
  readonly line: number
  readonly col: number
  /** Environment variables the value was expanded from. */
  readonly vars: ReadonlyArray<string>
}

export interface YamlTree {
  /** The document as plain data, with environment references expanded. */
  readonly value: unknown
  /** Keyed by `formatPath`: where each value starts. */
  readonly locations: ReadonlyMap<string, Location>
  /** Unset variables without a default. */
  readonly problems: ReadonlyArray<PathProblem>
}

// A collection used as a key is not echoed: its text could be anything, secrets included.
const keyName = (key: unknown): string => isScalar(key) ? String(key.value) : "(complex key)"

const startOf = (node: unknown, fallback: number): number => isNode(node) && node.range ? node.range[0] : fallback

/** Converts a parsed document to plain data, expanding environment references in every string scalar. */
export const readYamlTree = (
  doc: Document,
  lineCounter: LineCounter,
  env: Readonly<Record<string, string | undefined>>
): YamlTree => {
  const locations = new Map<string, Location>()
  const problems: Array<PathProblem> = []

  const record = (path: Path, offset: number, vars: ReadonlyArray<string> = []): void => {
    const { line, col } = lineCounter.linePos(offset)
    locations.set(formatPath(path), { line, col, vars })
  }

  const walk = (node: unknown, path: Path, fallbackOffset: number): unknown => {
    const offset = startOf(node, fallbackOffset)
    const target = isAlias(node) ? node.resolve(doc) : node
    if (isMap(target)) {
      record(path, offset)
      return Object.fromEntries(target.items.map((pair) => {
        const key = keyName(pair.key)
        return [key, walk(pair.value, [...path, key], startOf(pair.key, offset))]
      }))
    }
    if (isSeq(target)) {
      record(path, offset)
      return target.items.map((item, index) => walk(item, [...path, index], offset))
    }
    if (isScalar(target) && typeof target.value === "string") {
      const expansion = expandEnv(target.value, env)
      record(path, offset, expansion.vars)
      for (const name of expansion.unset) problems.push({ path, message: `\${${name}} is not set and has no default` })
      return expansion.value
    }
    record(path, offset)
    return isScalar(target) ? target.value : null
  }

  return { value: walk(doc.contents, [], 0), locations, problems }
}
