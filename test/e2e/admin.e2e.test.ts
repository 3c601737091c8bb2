import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { Database } from "bun:sqlite"
import { join } from "node:path"
import { type RunningGateway, startGateway } from "./harness.ts"

const adminKey = "sk-admin-e2e-0123456789"
const configKey = "sk-test-config-key-0123456789"

const config = `
providers:
  - { name: local, type: mock, models: [demo] }
keys:
  - { name: cfg, key: "${configKey}", models: ["*"] }
pricing:
  demo: { input_per_mtok: 1, output_per_mtok: 2 }
`

interface KeyJson {
  readonly id: string
  readonly name: string
  readonly source: "config" | "database"
  readonly owner_id: string | null
  readonly prefix: string | null
  readonly status: string
  readonly expires_at: string | null
  readonly budget: { usd: number; period: string } | null
  readonly limits: Record<string, number | null>
  readonly spend?: { budget: { limit_usd: number; spent_usd: number; remaining_usd: number } | null; tokens: unknown }
}
interface Issued extends KeyJson {
  readonly key: string
}
interface UserJson {
  readonly id: string
  readonly email: string
  readonly role: "admin" | "member"
  readonly disabled: boolean
}
interface ErrorJson {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string | null }
}

let gateway: RunningGateway

beforeAll(async () => {
  gateway = await startGateway({ config, server: `admin_key: "${adminKey}"` })
})

afterAll(async () => {
  await gateway?.stop()
})

/** An admin API call, as the admin key unless another token is given. */
const api = async <A = unknown>(method: string, path: string, body?: unknown, token: string | null = adminKey) => {
  const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" }
  if (token !== null) headers.authorization = `Bearer ${token}`
  const response = await fetch(`${gateway.url}/admin/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  return { status: response.status, body: (await response.json()) as A }
}

const chat = async (key: string) => {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "demo", messages: [{ role: "user", content: "ECHO:hello" }] })
  })
  return { status: response.status, body: (await response.json()) as ErrorJson & { choices?: Array<{ message: { content: string } }> } }
}

const createUser = async (email: string, role: "admin" | "member", password = "password-123") => {
  const created = await api<UserJson>("POST", "/users", { email, name: email.split("@")[0], role, password })
  expect(created.status).toBe(201)
  return created.body
}

const login = async (email: string, password = "password-123") => {
  const signedIn = await api<{ token: string; expires_at: string; user: UserJson }>("POST", "/auth/login", { email, password }, null)
  expect(signedIn.status).toBe(200)
  return signedIn.body.token
}

describe("key lifecycle with the admin key", () => {
  test("create → use → list → disable → enable → rotate → revoke, each state seen by the key's holder", async () => {
    const created = await api<Issued>("POST", "/keys", { name: "lifecycle", models: ["demo"], limits: { rpm: 100 }, budget: { usd: 5, period: "monthly" } })
    expect(created.status).toBe(201)
    const key = created.body
    expect(key.key).toStartWith("sk-sluice-")
    expect(key.key).toStartWith(key.prefix!)
    expect(key).toMatchObject({ name: "lifecycle", source: "database", owner_id: null, status: "active", budget: { usd: 5, period: "monthly" } })
    expect(key.limits).toEqual({ rpm: 100, tpm: null, rps: null, burst: null, concurrency: null })
    const expiresInDays = (Date.parse(key.expires_at!) - Date.now()) / 86_400_000
    expect(expiresInDays).toBeGreaterThan(364.9)
    expect(expiresInDays).toBeLessThanOrEqual(365)

    const used = await chat(key.key)
    expect(used.status).toBe(200)
    expect(used.body.choices?.[0]?.message.content).toBe("hello")

    const listed = await api<{ data: Array<KeyJson & { key?: string }> }>("GET", "/keys")
    const entry = listed.body.data.find((k) => k.id === key.id)
    expect(entry).toMatchObject({ name: "lifecycle", status: "active" })
    expect(entry?.key).toBeUndefined()
    expect(JSON.stringify(listed.body)).not.toContain(key.key)

    const read = await api<KeyJson>("GET", `/keys/${key.id}`)
    expect(read.body.spend?.budget).toMatchObject({ limit_usd: 5 })
    expect(read.body.spend?.budget?.remaining_usd).toBeLessThanOrEqual(5)

    expect((await api<KeyJson>("POST", `/keys/${key.id}/disable`)).body.status).toBe("disabled")
    const disabled = await chat(key.key)
    expect(disabled.status).toBe(401)
    expect(disabled.body.error.message).toContain("disabled")

    expect((await api<KeyJson>("POST", `/keys/${key.id}/enable`)).body.status).toBe("active")
    expect((await chat(key.key)).status).toBe(200)

    const rotated = await api<Issued>("POST", `/keys/${key.id}/rotate`)
    expect(rotated.status).toBe(200)
    expect(rotated.body.id).toBe(key.id)
    expect(rotated.body.key).not.toBe(key.key)
    expect((await chat(key.key)).status).toBe(401)
    expect((await chat(rotated.body.key)).status).toBe(200)

    const revoked = await api<KeyJson>("POST", `/keys/${key.id}/revoke`)
    expect(revoked.body.status).toBe("revoked")
    const refused = await chat(rotated.body.key)
    expect(refused.status).toBe(401)
    expect(refused.body.error.message).toContain("revoked")

    // Revoked is final: no enabling or rotating it back; revoking again (or DELETE) answers it as it is.
    expect((await api<ErrorJson>("POST", `/keys/${key.id}/enable`)).status).toBe(409)
    expect((await api<ErrorJson>("POST", `/keys/${key.id}/rotate`)).status).toBe(409)
    const deleted = await api<KeyJson>("DELETE", `/keys/${key.id}`)
    expect(deleted.status).toBe(200)
    expect(deleted.body.status).toBe("revoked")
  })

  test("PATCH changes settings: absent fields stay, null removes", async () => {
    const { body: key } = await api<Issued>("POST", "/keys", { name: "patchable", budget: { usd: 1, period: "daily" }, expires_days: null })
    expect(key.expires_at).toBeNull()
    const patched = await api<KeyJson>("PATCH", `/keys/${key.id}`, { name: "patched", expires_at: "2099-01-01T00:00:00Z", limits: { rps: 2, burst: 4 } })
    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({ name: "patched", expires_at: "2099-01-01T00:00:00.000Z", budget: { usd: 1, period: "daily" } })
    expect(patched.body.limits).toMatchObject({ rps: 2, burst: 4, rpm: null })
    const cleared = await api<KeyJson>("PATCH", `/keys/${key.id}`, { budget: null, expires_at: null })
    expect(cleared.body).toMatchObject({ name: "patched", budget: null, expires_at: null })
    const unchanged = await api<KeyJson>("PATCH", `/keys/${key.id}`, {})
    expect(unchanged.status).toBe(200)
    expect(unchanged.body).toEqual(cleared.body)
  })

  test("an expired key gets 401 saying it expired", async () => {
    const { body: key } = await api<Issued>("POST", "/keys", { name: "short-lived", expires_days: 0.00003 })
    expect((await chat(key.key)).status).toBe(200)
    await Bun.sleep(Math.max(0, Date.parse(key.expires_at!) - Date.now()) + 50)
    const refused = await chat(key.key)
    expect(refused.status).toBe(401)
    expect(refused.body.error.message).toContain("expired")
    expect((await api<KeyJson>("GET", `/keys/${key.id}`)).body.status).toBe("expired")
  })

  test("bad input is a 400 naming the field", async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ["POST", "/keys", { budget: { usd: 1, period: "daily" } }, "name"],
      ["POST", "/keys", { name: "x", budget: { usd: "lots", period: "daily" } }, "budget.usd"],
      ["POST", "/keys", { name: "x", budget: { usd: 1, period: "yearly" } }, "budget.period"],
      ["POST", "/keys", { name: "x", token_quota: { tokens: -1, period: "total" } }, "token_quota.tokens"],
      ["POST", "/keys", { name: "x", limits: { rpm: 1.5 } }, "limits.rpm"],
      ["POST", "/keys", { name: "x", expires_days: 0 }, "expires_days"],
      ["POST", "/keys", { name: "x", models: ["gpt-*", 7] }, "models[1]"],
      ["POST", "/keys", { name: "x", owner_id: "no-such-user" }, "owner_id"],
      ["POST", "/keys", { name: "x", expire_days: 3 }, "expire_days"],
      ["POST", "/keys", { name: "x", limits: { rpn: 3 } }, "limits.rpn"],
      ["PATCH", "/keys/config:cfg", { expires_at: "tomorrow" }, "expires_at"],
      ["POST", "/users", { email: "not-an-email", name: "x", password: "password-123" }, "email"],
      ["POST", "/users", { email: "short@example.com", name: "x", password: "short" }, "password"],
      ["POST", "/users", { email: "role@example.com", name: "x", password: "password-123", role: "owner" }, "role"]
    ]
    for (const [method, path, body, param] of cases) {
      const answer = await api<ErrorJson>(method, path, body)
      expect({ path, param, status: answer.status }).toEqual({ path, param, status: 400 })
      expect(answer.body.error).toMatchObject({ type: "invalid_request_error", param })
      expect(answer.body.error.message).toContain(param)
    }
    const notJson = await fetch(`${gateway.url}/admin/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: "{not json"
    })
    expect(notJson.status).toBe(400)
    expect(((await notJson.json()) as ErrorJson).error.type).toBe("invalid_request_error")
  })

  test("a config key is listed but read-only (409 read_only)", async () => {
    const listed = await api<{ data: Array<KeyJson> }>("GET", "/keys")
    expect(listed.body.data.find((k) => k.id === "config:cfg")).toMatchObject({ name: "cfg", source: "config", prefix: null, status: "active" })
    expect((await api<KeyJson>("GET", "/keys/config:cfg")).status).toBe(200)
    for (const [method, path, body] of [["PATCH", "/keys/config:cfg", { name: "renamed" }], ["POST", "/keys/config:cfg/disable"], ["POST", "/keys/config:cfg/rotate"], ["POST", "/keys/config:cfg/revoke"], ["DELETE", "/keys/config:cfg"]] as const) {
      const answer = await api<ErrorJson>(method, path, body)
      expect({ path, status: answer.status, code: answer.body.error.code }).toEqual({ path, status: 409, code: "read_only" })
    }
    expect((await chat(configKey)).status).toBe(200)
  })

  test("unknown keys are 404; missing or wrong credentials 401", async () => {
    expect((await api<ErrorJson>("GET", "/keys/no-such-key")).body.error.code).toBe("not_found")
    const missing = await api<ErrorJson>("GET", "/keys", undefined, null)
    expect(missing.status).toBe(401)
    expect(missing.body.error.code).toBe("missing_credentials")
    expect((await api<ErrorJson>("GET", "/keys", undefined, "sk-not-the-admin-key")).status).toBe(401)
    expect((await api<ErrorJson>("GET", "/keys", undefined, configKey)).status).toBe(401)
  })
})

describe("users, sessions and permissions", () => {
  test("login: a session token for the right password; one message for a wrong password and an unknown email", async () => {
    const ada = await createUser("Ada@Example.com", "admin")
    expect(ada).toMatchObject({ email: "ada@example.com", role: "admin", disabled: false })
    expect((await api<ErrorJson>("POST", "/users", { email: "ada@example.com", name: "Again", password: "password-123" })).status).toBe(409)

    const wrong = await api<ErrorJson>("POST", "/auth/login", { email: "ada@example.com", password: "not-her-password" }, null)
    const unknown = await api<ErrorJson>("POST", "/auth/login", { email: "nobody@example.com", password: "password-123" }, null)
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(unknown.body.error.message).toBe(wrong.body.error.message)

    const signedIn = await api<{ token: string; expires_at: string; user: UserJson }>("POST", "/auth/login", { email: " ADA@example.com", password: "password-123" }, null)
    expect(signedIn.status).toBe(200)
    expect(signedIn.body.user.id).toBe(ada.id)
    expect(Date.parse(signedIn.body.expires_at) - Date.now()).toBeGreaterThan(11.9 * 3600_000)
    const me = await api<{ kind: string; role: string; user: UserJson }>("GET", "/auth/me", undefined, signedIn.body.token)
    expect(me.body).toMatchObject({ kind: "user", role: "admin", user: { id: ada.id } })
    expect((await api("GET", "/users", undefined, signedIn.body.token)).status).toBe(200)
    expect((await api<{ kind: string }>("GET", "/auth/me")).body).toMatchObject({ kind: "admin-key", role: "admin", user: null })
  })

  test("a member sees and manages only their own keys; another user's key is 404; users are admin-only", async () => {
    const owner = await createUser("owner@example.com", "member")
    const mallory = await createUser("mallory@example.com", "member")
    const { body: ownersKey } = await api<Issued>("POST", "/keys", { name: "owner's", owner_id: owner.id })
    expect(ownersKey.owner_id).toBe(owner.id)
    const token = await login("mallory@example.com")

    expect((await api<ErrorJson>("GET", "/users", undefined, token)).status).toBe(403)
    expect((await api<ErrorJson>("GET", `/users/${owner.id}`, undefined, token)).body.error.type).toBe("permission_error")
    expect((await api<ErrorJson>("PATCH", `/users/${mallory.id}`, { role: "admin" }, token)).status).toBe(403)
    expect((await api<ErrorJson>("GET", "/config/version", undefined, token)).status).toBe(403)

    const own = await api<Issued>("POST", "/keys", { name: "mine", budget: { usd: 1, period: "daily" } }, token)
    expect(own.status).toBe(201)
    expect(own.body.owner_id).toBe(mallory.id)
    expect((await api<ErrorJson>("POST", "/keys", { name: "theirs", owner_id: owner.id }, token)).status).toBe(403)

    const listed = await api<{ data: Array<KeyJson> }>("GET", "/keys", undefined, token)
    expect(listed.body.data.map((k) => k.id)).toEqual([own.body.id])
    expect((await api<{ data: Array<KeyJson> }>("GET", `/keys?owner_id=${owner.id}`, undefined, token)).body.data).toEqual([])
    expect((await api<{ data: Array<KeyJson> }>("GET", `/keys?owner_id=${owner.id}`)).body.data.map((k) => k.id)).toEqual([ownersKey.id])

    for (const [method, path, body] of [
      ["GET", `/keys/${ownersKey.id}`],
      ["PATCH", `/keys/${ownersKey.id}`, { name: "stolen" }],
      ["POST", `/keys/${ownersKey.id}/disable`],
      ["POST", `/keys/${ownersKey.id}/rotate`],
      ["DELETE", `/keys/${ownersKey.id}`],
      ["GET", "/keys/config:cfg"]
    ] as const) {
      const answer = await api<ErrorJson>(method, path, body, token)
      expect({ method, path, status: answer.status, code: answer.body.error.code }).toEqual({ method, path, status: 404, code: "not_found" })
    }
    expect((await api<KeyJson>("GET", `/keys/${ownersKey.id}`)).body.status).toBe("active")

    expect((await api<KeyJson>("POST", `/keys/${own.body.id}/disable`, undefined, token)).body.status).toBe("disabled")
    const rotated = await api<Issued>("POST", `/keys/${own.body.id}/rotate`, undefined, token)
    expect(rotated.status).toBe(200)
  })

  test("a member reads only their own usage and request log; an admin reads everyone's", async () => {
    const alice = await createUser("usage-alice@example.com", "member")
    const bob = await createUser("usage-bob@example.com", "member")
    const { body: alicesKey } = await api<Issued>("POST", "/keys", { name: "alice's", owner_id: alice.id })
    const { body: bobsKey } = await api<Issued>("POST", "/keys", { name: "bob's", owner_id: bob.id })
    expect((await chat(alicesKey.key)).status).toBe(200)
    expect((await chat(bobsKey.key)).status).toBe(200)
    const token = await login("usage-alice@example.com")

    type Group = { group: string | null; requests: number }
    // The ledger is written in batches: the admin's view is polled until both requests are in.
    const byKey = async (bearer?: string) => {
      for (let i = 0; i < 100; i++) {
        const answer = await api<{ data: Array<Group> }>("GET", "/usage?group_by=key", undefined, bearer)
        const keys = answer.body.data.map((g) => g.group)
        if (bearer !== undefined || (keys.includes(alicesKey.id) && keys.includes(bobsKey.id))) return keys
        await Bun.sleep(50)
      }
      return []
    }
    expect(await byKey()).toEqual(expect.arrayContaining([alicesKey.id, bobsKey.id]))
    expect(await byKey(token)).toEqual([alicesKey.id])
    const log = await api<{ data: Array<{ key_id: string }> }>("GET", "/requests", undefined, token)
    expect(new Set(log.body.data.map((row) => row.key_id))).toEqual(new Set([alicesKey.id]))
    for (const path of [`/usage?user_id=${bob.id}`, `/usage/summary?key_id=${bobsKey.id}`, `/requests?key_id=${bobsKey.id}`]) {
      const answer = await api<ErrorJson>("GET", path, undefined, token)
      expect({ path, status: answer.status, type: answer.body.error.type }).toEqual({ path, status: 403, type: "permission_error" })
    }
  })

  test("five failed sign-ins for an email lock it for a while: 429 with Retry-After, even with the right password", async () => {
    await createUser("guessed@example.com", "member")
    for (let i = 0; i < 5; i++) {
      expect((await api("POST", "/auth/login", { email: "guessed@example.com", password: `wrong-${i}-password` }, null)).status).toBe(401)
    }
    const locked = await fetch(`${gateway.url}/admin/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: " Guessed@Example.com ", password: "password-123" })
    })
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0)
    expect(((await locked.json()) as ErrorJson).error.code).toBe("too_many_attempts")
    expect(await login("ada@example.com")).toBeString()
  })

  test("members change their own password with the current one; nobody else's", async () => {
    const member = await createUser("pw@example.com", "member")
    const other = await createUser("pw-other@example.com", "member")
    const token = await login("pw@example.com")
    expect((await api<ErrorJson>("POST", `/users/${other.id}/password`, { password: "hijacked-1" }, token)).status).toBe(403)
    const withoutCurrent = await api<ErrorJson>("POST", `/users/${member.id}/password`, { password: "new-password-1" }, token)
    expect(withoutCurrent.status).toBe(400)
    expect(withoutCurrent.body.error.param).toBe("current_password")
    expect((await api("POST", `/users/${member.id}/password`, { password: "new-password-1", current_password: "password-123" }, token)).status).toBe(200)
    await login("pw@example.com", "new-password-1")
    expect((await api("POST", `/users/${member.id}/password`, { password: "admin-set-pass" })).status).toBe(200)
    await login("pw@example.com", "admin-set-pass")
  })

  test("a disabled user's token stops working at once; a role change applies at once", async () => {
    const user = await createUser("flip@example.com", "member")
    const token = await login("flip@example.com")
    expect((await api("GET", "/users", undefined, token)).status).toBe(403)
    await api("PATCH", `/users/${user.id}`, { role: "admin" })
    expect((await api("GET", "/users", undefined, token)).status).toBe(200)
    await api("PATCH", `/users/${user.id}`, { disabled: true })
    const refused = await api<ErrorJson>("GET", "/auth/me", undefined, token)
    expect(refused.status).toBe(401)
    expect(refused.body.error.code).toBe("user_disabled")
    expect((await api<ErrorJson>("POST", "/auth/login", { email: "flip@example.com", password: "password-123" }, null)).status).toBe(401)
    const tampered = `${token.slice(0, -2)}xx`
    expect((await api<ErrorJson>("GET", "/auth/me", undefined, tampered)).status).toBe(401)
  })
})

describe("without server.admin_key", () => {
  test("the admin API is off until a user exists; then user tokens work", async () => {
    const keyless = await startGateway({ config })
    try {
      const off = await fetch(`${keyless.url}/admin/v1/keys`)
      expect(off.status).toBe(403)
      const body = (await off.json()) as ErrorJson
      expect(body.error.code).toBe("admin_api_disabled")
      expect(body.error.message).toContain("sluice setup")

      // What `sluice setup` does: a user written straight into the database.
      const db = new Database(join(keyless.dir, "sluice.db"))
      db.query("INSERT INTO users (id, email, name, role, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)")
        .run("first-admin", "root@example.com", "Root", "admin", await Bun.password.hash("password-123", { algorithm: "argon2id" }), Date.now())
      db.close()

      expect((await fetch(`${keyless.url}/admin/v1/keys`)).status).toBe(401)
      const signedIn = await fetch(`${keyless.url}/admin/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "root@example.com", password: "password-123" })
      })
      const { token } = (await signedIn.json()) as { token: string }
      const listed = await fetch(`${keyless.url}/admin/v1/keys`, { headers: { authorization: `Bearer ${token}` } })
      expect(listed.status).toBe(200)
    } finally {
      await keyless.stop()
    }
  })
})
