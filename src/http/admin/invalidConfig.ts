import type { ConfigProblem } from "../../Config.ts"

/** A problem's field relative to the entry being changed (`base_url` for `catalog.providers.fake.base_url`). */
const fieldIn = (entry: string, path: string): string | undefined => {
  if (path === entry) return ""
  if (path.startsWith(`${entry}.`)) return path.slice(entry.length + 1)
  return path.startsWith(`${entry}[`) ? path.slice(entry.length) : undefined
}

/**
 * 400 for a change that would make the config invalid: every problem as `{ path, message }`, and as `param` the
 * first problem's field in the changed entry (`entry` is its path, e.g. `catalog.providers.fake`), else the first
 * problem's path. The old config keeps serving.
 */
export const invalidConfig = (problems: ReadonlyArray<ConfigProblem>, entry: string): Response => {
  const own = problems.flatMap((problem) => {
    const field = fieldIn(entry, problem.path)
    return field === undefined ? [] : [{ problem, field }]
  })
  const [first] = own.length > 0 ? own : problems.map((problem) => ({ problem, field: problem.path }))
  const detail = first === undefined ? "" : `: ${[first.problem.path, first.problem.message].filter((part) => part !== "").join(": ")}`
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""
  return Response.json({
    error: {
      message: `The change would make the configuration invalid and was not made${detail}${more}`,
      type: "invalid_request_error",
      param: first === undefined || first.field === "" ? null : first.field,
      code: "invalid_config",
      problems: problems.map(({ path, message }) => ({ path, message }))
    }
  }, { status: 400 })
}
