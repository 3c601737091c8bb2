import { expect, test } from "bun:test"

// The gateway relies on this instead of lifting the idle timeout for each generation request: a generation may
// be silent for longer than the server's idle timeout, before its answer and between a stream's events.
test("Bun's idle timeout spares a connection whose request is pending or whose stream is open", async () => {
  const encoder = new TextEncoder()
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 1,
    async fetch(request) {
      if (new URL(request.url).pathname === "/late") {
        await Bun.sleep(2_200)
        return new Response("late")
      }
      return new Response(new ReadableStream({
        async pull(controller) {
          controller.enqueue(encoder.encode("a"))
          await Bun.sleep(2_200)
          controller.enqueue(encoder.encode("b"))
          controller.close()
        }
      }))
    }
  })
  try {
    const [late, stream] = await Promise.all([fetch(`${server.url}late`), fetch(`${server.url}stream`)])
    expect(await late.text()).toBe("late")
    expect(await stream.text()).toBe("ab")
  } finally {
    server.stop(true)
  }
})
