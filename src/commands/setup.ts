import { CliError, usageError } from "./CliError.ts"
import { parseCommand, printJson, required, withAdmin } from "./commandLine.ts"
import { keyFields, secretWarning } from "./keys.ts"
import { passwordOptions, readPassword } from "./password.ts"
import { userFields } from "./users.ts"

const options = {
  email: { type: "string" },
  name: { type: "string" },
  "key-name": { type: "string" },
  force: { type: "boolean" },
  ...passwordOptions
} as const

/** `sluice setup`: the first admin user and a key of theirs, in one go; refused once an admin exists (unless --force). */
export const setup = async (args: ReadonlyArray<string>) => {
  const { values, positionals } = parseCommand(args, options)
  if (positionals.length > 1) throw usageError(`Unexpected argument '${positionals[1]}': sluice setup takes flags only`)
  const email = required(values.email, "email")
  const name = values.name ?? email.split("@")[0] ?? email
  const password = await readPassword(values)
  const { user, key } = await withAdmin(values, async (admin) => {
    const admins = (await admin.listUsers()).filter((u) => u.role === "admin")
    if (admins.length > 0 && !values.force) {
      throw new CliError(`An admin user already exists (${admins.map((u) => u.email).join(", ")}): add users with 'sluice users add', or pass --force`)
    }
    const user = await admin.createUser({ email, name, role: "admin", password })
    const key = await admin.createKey({ name: values["key-name"] ?? `${name}'s key`, owner_id: user.id })
    return { user, key }
  })
  if (values.json) printJson({ user, key })
  else console.log(`Admin user\n${userFields(user)}\n\nKey\n${keyFields(key, new Map([[user.id, user.email]]))}\n\nsecret  ${key.key}`)
  console.error(secretWarning)
}
