import { SchemaAST, SchemaIssue } from "effect"
import { closestName } from "./closestName.ts"
import type { Path, PathProblem } from "./Path.ts"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1({
  leafHook: (issue) => issue._tag === "MissingKey" ? "missing required field" : SchemaIssue.defaultLeafHook(issue)
})

// Keeps Effect's "Expected …" in the same lower-case style as the other config messages.
const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1)

const unknownField = (path: Path, ast: SchemaAST.AST): string => {
  const known = SchemaAST.isObjects(ast) ? ast.propertySignatures.map((property) => String(property.name)) : []
  const suggestion = closestName(String(path.at(-1)), known)
  return suggestion === undefined ? "unknown field" : `unknown field (did you mean "${suggestion}"?)`
}

/** Flattens a schema issue into one problem per failing value. Inputs are never echoed, so secrets stay out. */
export const schemaProblems = (issue: SchemaIssue.Issue, path: Path = []): ReadonlyArray<PathProblem> => {
  if (issue._tag === "Pointer") return schemaProblems(issue.issue, [...path, ...issue.path])
  if (issue._tag === "Composite" || (issue._tag === "AnyOf" && issue.issues.length > 0)) {
    return issue.issues.flatMap((inner) => schemaProblems(inner, path))
  }
  if (issue._tag === "UnexpectedKey") return [{ path, message: unknownField(path, issue.ast) }]
  return formatter(issue).issues.map((inner) => ({
    path: [...path, ...(inner.path ?? []).map((segment) => typeof segment === "object" ? segment.key : segment)],
    message: lowerFirst(inner.message)
  }))
}
