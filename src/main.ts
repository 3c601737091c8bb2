// Bun's fetch queues outgoing requests past 256 in flight, and reads its limit only from the environment at
// process start. So the gateway raises it itself: replace this process with one that has it set (same PID),
// before loading anything else.
const limit = "BUN_CONFIG_MAX_HTTP_REQUESTS"
type Execve = (file: string, args: ReadonlyArray<string>, env: Record<string, string | undefined>) => never
const execve = (process as { execve?: Execve }).execve
if (process.env[limit] === undefined && execve !== undefined) {
  const compiled = import.meta.path.startsWith("/$bunfs/")
  const args = compiled ? process.argv.slice(2) : process.argv.slice(1)
  execve(process.execPath, [process.execPath, ...args], { ...process.env, [limit]: "65535" })
}
void import("./cli.ts")
