import type { UserJson } from "./AdminClient.ts"
import { oneOf, parseSubcommand, printJson, required, withAdmin } from "./commandLine.ts"
import { shortTime } from "./display.ts"
import { passwordOptions, readPassword } from "./password.ts"
import { fields, table } from "./table.ts"

const options = {
  email: { type: "string" },
  name: { type: "string" },
  role: { type: "string" },
  ...passwordOptions
} as const

export const userFields = (user: UserJson) =>
  fields([
    ["id", user.id],
    ["email", user.email],
    ["name", user.name],
    ["role", user.role],
    ["status", user.disabled ? "disabled" : "active"],
    ["created", shortTime(user.created_at)]
  ])

const usersTable = (users: ReadonlyArray<UserJson>) =>
  table(
    ["ID", "EMAIL", "NAME", "ROLE", "STATUS", "CREATED"],
    users.map((u) => [u.id, u.email, u.name, u.role, u.disabled ? "disabled" : "active", shortTime(u.created_at)])
  )

/** `sluice users add|list|passwd` */
export const users = async (args: ReadonlyArray<string>) => {
  const { sub, values } = parseSubcommand(args, options, {
    add: ["email", "name", "role", "password", "password-stdin"],
    list: [],
    passwd: ["email", "password", "password-stdin"]
  })
  const print = <A>(value: A, asText: (value: A) => string) => values.json ? printJson(value) : console.log(asText(value))

  if (sub === "add") {
    const email = required(values.email, "email")
    const name = required(values.name, "name")
    const role = oneOf(values.role, "role", ["admin", "member"]) ?? "member"
    const password = await readPassword(values)
    const user = await withAdmin(values, (admin) => admin.createUser({ email, name, role, password }))
    return print(user, userFields)
  }
  if (sub === "list") {
    const list = await withAdmin(values, (admin) => admin.listUsers())
    return values.json ? printJson({ data: list }) : console.log(usersTable(list))
  }
  const email = required(values.email, "email")
  const password = await readPassword(values)
  const user = await withAdmin(values, async (admin) => {
    const found = await admin.findUser(email)
    await admin.setPassword(found.id, password)
    return found
  })
  return print({ id: user.id, email: user.email, password_changed: true }, () => `Password changed for ${user.email}`)
}
