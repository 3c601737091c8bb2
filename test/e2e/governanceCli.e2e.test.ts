import { Database } from "bun:sqlite"
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { type SpawnedGateway, spawnGateway } from "./harness.ts"

// Each test runs the CLI several times (about half a second each, more on a loaded machine).
setDefaultTimeout(120_000)

const main = join(resolve(import.meta.dir, "../.."), "src/main.ts")
const adminKey = "sk-admin-cli-test-0123456789"
const dir = mkdtempSync(join(tmpdir(), "sluice-govcli-"))
const dbPath = join(dir, "sluice.db")
writeFileSync(
  join(dir, "config.yaml"),
  `server: { host: 127.0.0.1, port: 0, shutdown_timeout_ms: 5000, admin_key: "${adminKey}" }
database: { url: "sqlite:${dbPath}" }
providers:
  - { name: local, type: mock, models: [mock-gpt] }
pricing:
  mock-gpt: { input_per_mtok: 3, output_per_mtok: 4 }
`
)

let gateway: SpawnedGateway | undefined
afterAll(async () => {
  await gateway?.stop("SIGKILL")
  rmSync(dir, { recursive: true, force: true })
})

interface Ran {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** `bun src/main.ts <args>` in the temp dir (so ./config.yaml is the test's), with a minimal environment. */
const sluice = (args: ReadonlyArray<string>, options: { env?: Record<string, string>; stdin?: string } = {}): Ran => {
  const result = Bun.spawnSync([process.execPath, main, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...options.env },
    stdin: options.stdin === undefined ? "ignore" : Buffer.from(options.stdin),
    stdout: "pipe",
    stderr: "pipe"
  })
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString() }
}

/** Runs a command that must succeed and returns its stdout. */
const ok = (args: ReadonlyArray<string>, options?: Parameters<typeof sluice>[1]): string => {
  const ran = sluice(args, options)
  expect(ran.exitCode, `sluice ${args.join(" ")}\n${ran.stdout}${ran.stderr}`).toBe(0)
  expectNoStackTrace(ran)
  return ran.stdout
}

const json = <A>(args: ReadonlyArray<string>, options?: Parameters<typeof sluice>[1]): A => JSON.parse(ok([...args, "--json"], options)) as A

const expectNoStackTrace = (ran: Ran) => expect(`${ran.stdout}${ran.stderr}`).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)|\n\s+at /m)

/** A command that must fail with this exit code and say `message` on stderr. */
const fails = (args: ReadonlyArray<string>, exitCode: 1 | 2, message: string | RegExp, options?: Parameters<typeof sluice>[1]) => {
  const ran = sluice(args, options)
  expect(ran.exitCode, `sluice ${args.join(" ")}\n${ran.stdout}${ran.stderr}`).toBe(exitCode)
  expect(ran.stderr).toMatch(message)
  expectNoStackTrace(ran)
  return ran
}

interface User {
  readonly id: string
  readonly email: string
  readonly name: string
  readonly role: string
}

interface Key {
  readonly id: string
  readonly name: string
  readonly owner_id: string | null
  readonly prefix: string | null
  readonly status: string
  readonly expires_at: string | null
  readonly models: ReadonlyArray<string>
  readonly budget: { readonly usd: number; readonly period: string } | null
  readonly token_quota: { readonly tokens: number; readonly period: string } | null
  readonly limits: Record<string, number | null>
  readonly allow_unpriced: boolean
}

interface Issued extends Key {
  readonly key: string
}

interface UsageRow {
  readonly group: string | null
  readonly key_name?: string | null
  readonly requests: number
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly cost_usd: number | null
}

const remote = () => ["--url", gateway!.url, "--admin-key", adminKey]

const chat = (secret: string) =>
  fetch(`${gateway!.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "ECHO:hello from the cli test" }] })
  })

const passwordHashOf = (email: string) => {
  const db = new Database(dbPath, { readonly: true })
  try {
    return (db.query("SELECT password_hash FROM users WHERE email = ?").get(email) as { password_hash: string }).password_hash
  } finally {
    db.close()
  }
}

/** Polls `read` until `done` holds: ledger rows are written in batches. */
const eventually = async <A>(read: () => A | Promise<A>, done: (value: A) => boolean): Promise<A> => {
  const until = Date.now() + 10_000
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > until) return value
    await Bun.sleep(100)
  }
}

const keyInfoStatus = (secret: string) =>
  fetch(`${gateway!.url}/v1/key/info`, { headers: { authorization: `Bearer ${secret}` } }).then((response) => response.status)

// One lifecycle, in order: each test builds on the state the previous ones left.
describe("sluice setup, users, keys and usage (direct mode, then a running gateway)", () => {
  const state: { admin?: User; adminKey?: Issued; bob?: User; ci?: Issued; remote?: Issued; rotated?: Issued } = {}

  test("setup creates the first admin and a key of theirs, printing the secret once", () => {
    const ran = sluice(["setup", "--email", "Admin@Example.com", "--name", "Admin", "--password", "correct horse", "--json"])
    expect(ran.exitCode, ran.stderr).toBe(0)
    expect(ran.stderr).toContain("not shown again")
    const { user, key } = JSON.parse(ran.stdout) as { user: User; key: Issued }
    expect(user).toMatchObject({ email: "admin@example.com", name: "Admin", role: "admin" })
    expect(key.key).toStartWith("sk-sluice-")
    expect(key.owner_id).toBe(user.id)
    expect(key.key.startsWith(key.prefix ?? "-")).toBe(true)
    state.admin = user
    state.adminKey = key
  })

  test("setup refuses once an admin exists", () => {
    fails(["setup", "--email", "other@example.com", "--password", "pw-other-1"], 1, /admin user already exists/)
  })

  test("users add takes the password from --password-stdin or $SLUICE_PASSWORD; without one (and no terminal) it is a usage error", () => {
    state.bob = json<User>(["users", "add", "--email", "bob@example.com", "--name", "Bob", "--password-stdin"], {
      stdin: "bobs-password\n"
    })
    expect(state.bob).toMatchObject({ email: "bob@example.com", name: "Bob", role: "member" })
    const carol = json<User>(["users", "add", "--email", "carol@example.com", "--name", "Carol", "--role", "admin"], {
      env: { SLUICE_PASSWORD: "carols-password" }
    })
    expect(carol.role).toBe("admin")
    fails(["users", "add", "--email", "dan@example.com", "--name", "Dan"], 2, /SLUICE_PASSWORD/)
    fails(["users", "add", "--email", "bob@example.com", "--name", "Bob again", "--password", "x1234567"], 1, /already exists/)
    fails(["users", "add", "--email", "eve@example.com", "--name", "Eve", "--role", "owner", "--password", "x"], 2, /--role/)
    fails(["users", "add", "--email", "eve@example.com", "--name", "Eve", "--password", "short"], 2, /at least 8 characters/)
  })

  test("users list shows everyone, as a table or JSON", () => {
    const { data } = json<{ data: ReadonlyArray<User> }>(["users", "list"])
    expect(data.map((u) => u.email).sort()).toEqual(["admin@example.com", "bob@example.com", "carol@example.com"])
    const text = ok(["users", "list"])
    expect(text.split("\n")[0]).toMatch(/^ID\s+EMAIL\s+NAME\s+ROLE/)
    expect(text).toMatch(/bob@example\.com\s+Bob\s+member/)
  })

  test("users passwd changes the stored hash", () => {
    const before = passwordHashOf("bob@example.com")
    expect(ok(["users", "passwd", "--email", "bob@example.com", "--password", "a-new-password"])).toContain("bob@example.com")
    expect(passwordHashOf("bob@example.com")).not.toBe(before)
    fails(["users", "passwd", "--email", "nobody@example.com", "--password", "whatever1"], 1, /No user/)
  })

  test("keys create takes every setting and prints the secret once", () => {
    const ran = sluice([
      "keys", "create", "--name", "ci", "--owner", "bob@example.com", "--expires-days", "30",
      "--rpm", "600", "--tpm", "100000", "--rps", "50", "--burst", "100", "--concurrency", "8",
      "--budget", "5", "--period", "weekly", "--tokens", "1000000", "--models", "mock-*, gpt-4o", "--json"
    ])
    expect(ran.exitCode, ran.stderr).toBe(0)
    expect(ran.stderr).toContain("not shown again")
    const ci = JSON.parse(ran.stdout) as Issued
    expect(ci.key).toStartWith("sk-sluice-")
    expect(ci).toMatchObject({
      name: "ci",
      owner_id: state.bob!.id,
      status: "active",
      models: ["mock-*", "gpt-4o"],
      budget: { usd: 5, period: "weekly" },
      token_quota: { tokens: 1000000, period: "weekly" },
      limits: { rpm: 600, tpm: 100000, rps: 50, burst: 100, concurrency: 8 },
      allow_unpriced: false
    })
    const days = (Date.parse(ci.expires_at ?? "") - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(29)
    expect(days).toBeLessThanOrEqual(30)
    state.ci = ci

    const forever = json<Issued>(["keys", "create", "--name", "forever", "--no-expiry", "--allow-unpriced"])
    expect(forever.expires_at).toBeNull()
    expect(forever.allow_unpriced).toBe(true)
    expect(forever.owner_id).toBeNull()
  })

  test("keys list and show never print a secret; --owner filters", () => {
    const { data } = json<{ data: ReadonlyArray<Key> }>(["keys", "list"])
    expect(data.map((k) => k.name).sort()).toEqual(["Admin's key", "ci", "forever"])
    const owned = json<{ data: ReadonlyArray<Key> }>(["keys", "list", "--owner", "bob@example.com"]).data
    expect(owned.map((k) => k.id)).toEqual([state.ci!.id])
    expect(json<{ data: ReadonlyArray<Key> }>(["keys", "list", "--owner", state.bob!.id]).data.map((k) => k.id)).toEqual([state.ci!.id])

    const table = ok(["keys", "list"])
    expect(table.split("\n")[0]).toMatch(/^ID\s+NAME\s+OWNER\s+PREFIX\s+STATUS/)
    expect(table).toMatch(new RegExp(`${state.ci!.id}\\s+ci\\s+bob@example\\.com`))
    const shown = json<Key>(["keys", "show", state.ci!.id])
    expect(shown).toMatchObject({ id: state.ci!.id, name: "ci", budget: { usd: 5, period: "weekly" } })
    const fields = ok(["keys", "show", state.ci!.id])
    expect(fields).toMatch(/owner\s+bob@example\.com/)
    expect(fields).toMatch(/limits\s+rpm=600 tpm=100000 rps=50 burst=100 concurrency=8/)
    for (const output of [JSON.stringify(data), table, JSON.stringify(shown), fields]) {
      expect(output).not.toContain(state.ci!.key)
      expect(output).not.toContain(state.adminKey!.key)
    }
    fails(["keys", "show", "no-such-key"], 1, /No key 'no-such-key'/)
  })

  test("a key created by the CLI works on a gateway started afterwards", async () => {
    gateway = await spawnGateway({ configPath: join(dir, "config.yaml"), cwd: dir })
    const response = await chat(state.ci!.key)
    expect(response.status, await response.clone().text()).toBe(200)
    const body = await response.json() as { choices: Array<{ message: { content: string } }> }
    expect(body.choices[0]?.message.content).toBe("hello from the cli test")
  })

  test("keys test calls /v1/key/info with the key", () => {
    const info = json<Record<string, unknown>>(["keys", "test", state.ci!.key, "--url", gateway!.url])
    expect(JSON.stringify(info)).toContain("ci")
    expect(ok(["keys", "test", state.ci!.key, "--url", gateway!.url])).toContain("ci")
    fails(["keys", "test", "sk-sluice-not-a-key", "--url", gateway!.url], 1, /refused \(401\)/)
  })

  test("remote mode: keys create, list and revoke through the admin API apply at once", async () => {
    const created = json<Issued>(["keys", "create", ...remote(), "--name", "remote", "--owner", "bob@example.com", "--models", "mock-*"])
    expect(created.key).toStartWith("sk-sluice-")
    expect(created.owner_id).toBe(state.bob!.id)
    state.remote = created
    expect((await chat(created.key)).status).toBe(200)

    const listed = json<{ data: ReadonlyArray<Key> }>(["keys", "list", ...remote()]).data
    expect(listed.map((k) => k.name)).toEqual(expect.arrayContaining(["ci", "forever", "remote"]))
    expect(json<{ data: ReadonlyArray<Key> }>(["keys", "list", ...remote(), "--owner", "bob@example.com"]).data.map((k) => k.name).sort())
      .toEqual(["ci", "remote"])
    expect(json<Key>(["keys", "show", ...remote(), created.id]).name).toBe("remote")
    expect(json<{ data: ReadonlyArray<User> }>(["users", "list", ...remote()]).data).toHaveLength(3)
    const dave = json<User>(["users", "add", ...remote(), "--email", "dave@example.com", "--name", "Dave", "--password", "daves-password"])
    expect(dave).toMatchObject({ email: "dave@example.com", role: "member" })
    const before = passwordHashOf("dave@example.com")
    ok(["users", "passwd", ...remote(), "--email", "dave@example.com", "--password", "another-password"])
    expect(passwordHashOf("dave@example.com")).not.toBe(before)

    expect(json<Key>(["keys", "revoke", ...remote(), created.id]).status).toBe("revoked")
    const refused = await chat(created.key)
    expect(refused.status).toBe(401)
    expect(await refused.text()).toContain("revoked")
  })

  test("remote mode: the admin key comes from $SLUICE_ADMIN_KEY; a wrong one is refused with the server's message", () => {
    const listed = json<{ data: ReadonlyArray<Key> }>(["keys", "list", "--url", gateway!.url], { env: { SLUICE_ADMIN_KEY: adminKey } })
    expect(listed.data.length).toBeGreaterThan(0)
    fails(["keys", "list", "--url", gateway!.url, "--admin-key", "wrong"], 1, /admin key|Unauthorized|Incorrect|Invalid/i)
    fails(["keys", "list", "--url", gateway!.url], 2, /admin key/)
  })

  test("remote mode: usage shows the requests made so far", async () => {
    const rows = await eventually(
      () => json<{ data: ReadonlyArray<UsageRow> }>(["usage", ...remote(), "--by", "key"]).data,
      (data) => data.some((row) => row.group === state.ci!.id && row.requests >= 1)
    )
    const ci = rows.find((row) => row.group === state.ci!.id)
    expect(ci).toMatchObject({ key_name: "ci", requests: 1 })
    expect(ci!.cost_usd).toBeGreaterThan(0)
  })

  test("keys rotate and revoke in direct mode reach a running gateway within moments", async () => {
    gateway = await spawnGateway({ configPath: join(dir, "config.yaml"), cwd: dir })
    const rotated = json<Issued>(["keys", "rotate", state.ci!.id])
    expect(rotated.id).toBe(state.ci!.id)
    expect(rotated.key).not.toBe(state.ci!.key)
    state.rotated = rotated
    // Polled on /v1/key/info, which leaves no ledger row.
    await eventually(() => keyInfoStatus(state.ci!.key), (status) => status === 401)
    expect((await chat(state.ci!.key)).status).toBe(401)
    expect((await chat(rotated.key)).status).toBe(200)

    const revoked = sluice(["keys", "revoke", state.ci!.id])
    expect(revoked.exitCode, revoked.stderr).toBe(0)
    expect(revoked.stdout).toContain("Revoked key 'ci'")
    expect(json<Key>(["keys", "show", state.ci!.id]).status).toBe("revoked")
    expect(json<Key>(["keys", "revoke", state.ci!.id]).status).toBe("revoked")
    fails(["keys", "rotate", state.ci!.id], 1, /has been revoked/)
    await eventually(() => keyInfoStatus(rotated.key), (status) => status === 401)
    const refused = await chat(rotated.key)
    expect(refused.status).toBe(401)
    expect(await refused.text()).toContain("revoked")
    expect(await gateway.stop("SIGTERM")).toBe(0)
  })

  test("usage in direct mode: by key, by user, by model, filtered by key, user and time", () => {
    const byKey = json<{ data: ReadonlyArray<UsageRow> }>(["usage", "--by", "key"]).data
    const ci = byKey.find((row) => row.group === state.ci!.id)
    // One request before its rotation and one after; refused requests (old secret, revoked) never reach the ledger.
    expect(ci?.requests).toBe(2)
    expect(ci?.key_name).toBe("ci")
    expect(ci?.cost_usd).toBeGreaterThan(0)

    const byUser = json<{ data: ReadonlyArray<UsageRow> }>(["usage", "--by", "user", "--user", "bob@example.com"]).data
    expect(byUser.map((row) => row.group)).toEqual([state.bob!.id])

    const forKey = json<{ data: ReadonlyArray<UsageRow> }>(["usage", "--key", state.ci!.id, "--since", "1h", "--by", "model"]).data
    expect(forKey.map((row) => row.group)).toEqual(["mock-gpt"])
    expect(forKey[0]?.requests).toBe(ci?.requests)

    expect(json<{ data: ReadonlyArray<UsageRow> }>(["usage", "--since", "2999-01-01"]).data).toEqual([])
    const table = ok(["usage", "--by", "model"])
    expect(table.split("\n")[0]).toMatch(/^MODEL\s+REQUESTS\s+PROMPT\s+COMPLETION\s+CACHED\s+COST/)
    expect(table).toMatch(/^mock-gpt\s+\d+\s+\d+\s+\d+/m)
    expect(ok(["usage", "--since", "2999-01-01"])).toContain("No requests")
  })
})

describe("bad input: a message on stderr, exit 2, no stack trace", () => {
  test("an unknown command", () => {
    fails(["frobnicate"], 2, /Unknown command 'frobnicate'/)
    fails(["keys", "frobnicate"], 2, /Unknown command 'keys frobnicate'/)
    fails(["users"], 2, /needs a command/)
  })

  test("keys create without --name", () => {
    fails(["keys", "create", "--rpm", "5"], 2, /--name is required/)
  })

  test("a bad --period, number or flag", () => {
    fails(["keys", "create", "--name", "x", "--budget", "5", "--period", "yearly"], 2, /--period must be one of daily, weekly, monthly, total/)
    fails(["keys", "create", "--name", "x", "--rpm", "lots"], 2, /--rpm must be a whole number/)
    fails(["keys", "create", "--name", "x", "--budget", "-1"], 2, /--budget/)
    fails(["keys", "create", "--name", "x", "--no-expiry", "--expires-days", "3"], 2, /exclude each other/)
    fails(["keys", "create", "--name", "x", "--frobnicate"], 2, /--frobnicate/)
    fails(["keys", "list", "--budget", "5"], 2, /does not take --budget/)
    fails(["keys", "show"], 2, /one key id/)
    fails(["usage", "--by", "week"], 2, /--by must be one of/)
    fails(["usage", "--since", "last tuesday"], 2, /--since/)
  })

  test("usage errors are reported before the database is opened", () => {
    const empty = mkdtempSync(join(tmpdir(), "sluice-govcli-empty-"))
    try {
      const ran = Bun.spawnSync([process.execPath, main, "keys", "create", "--period", "yearly"], {
        cwd: empty,
        env: { PATH: process.env.PATH ?? "", HOME: empty },
        stdout: "pipe",
        stderr: "pipe"
      })
      expect(ran.exitCode).toBe(2)
      expect(ran.stderr.toString()).toContain("--name is required")
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })

  test("--help lists every governance command", () => {
    const help = ok(["--help"])
    for (const command of ["setup", "users add", "users list", "users passwd", "keys create", "keys list", "keys show", "keys test", "usage"]) {
      expect(help).toContain(command)
    }
    expect(ok(["keys", "create", "--help"])).toContain("Usage:")
  })
})
