import { CliError, usageError } from "./CliError.ts"

/** Reads a line from the terminal without echoing it. */
const prompt = (question: string) =>
  new Promise<string>((resolve, reject) => {
    const stdin = process.stdin
    let typed = ""
    const done = (finish: () => void) => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off("data", onData)
      process.stderr.write("\n")
      finish()
    }
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return done(() => resolve(typed))
        if (char === "\u0003") return done(() => reject(new CliError("Cancelled")))
        typed = char === "\u007f" || char === "\b" ? typed.slice(0, -1) : typed + char
      }
    }
    process.stderr.write(question)
    stdin.setRawMode(true)
    stdin.resume()
    stdin.on("data", onData)
  })

/** The admin API's rule too, so that both modes accept the same passwords. */
const minLength = 8

const longEnough = (password: string) => {
  if (password.length < minLength) throw usageError(`The password needs at least ${minLength} characters`)
  return password
}

const fromStdin = async () => (await Bun.stdin.text()).replace(/\r?\n$/, "")

/**
 * The password from `--password`, else stdin (`--password-stdin`), else $SLUICE_PASSWORD, else asked twice on the
 * terminal. Without a terminal (CI, scripts) one of the first three is needed.
 */
export const readPassword = async (values: { password?: string | undefined; "password-stdin"?: boolean | undefined }): Promise<string> => {
  const given = values.password ?? (values["password-stdin"] ? await fromStdin() : process.env.SLUICE_PASSWORD)
  if (given !== undefined) return longEnough(given)
  if (!process.stdin.isTTY) throw usageError("A password is needed: --password, --password-stdin or $SLUICE_PASSWORD")
  const first = longEnough(await prompt("Password: "))
  if (await prompt("Repeat it: ") !== first) throw new CliError("The passwords differ")
  return first
}

export const passwordOptions = {
  password: { type: "string" },
  "password-stdin": { type: "boolean" }
} as const
