import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { closeServer, createShutdown, runStopSteps } from "./shutdown.ts";

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.closeAllConnections();
  vi.useRealTimers();
});

/** A server whose every request hangs forever, with one request in flight. */
async function serverWithHungRequest(): Promise<Server> {
  const server = createServer(() => undefined);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  const arrived = new Promise<void>((done) => server.once("request", () => done()));
  request({ port, host: "127.0.0.1", path: "/" })
    .on("error", () => undefined)
    .end();
  await arrived;
  return server;
}

const never = () => new Promise<void>(() => undefined);

describe("closeServer", () => {
  it("closes within its grace period even while a request hangs", async () => {
    const server = await serverWithHungRequest();
    const started = performance.now();
    await closeServer(server, 200);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(server.listening).toBe(false);
  });
});

describe("runStopSteps", () => {
  it("moves past a step that hangs or fails, and still runs the last one", async () => {
    const problems: string[] = [];
    const ran: string[] = [];
    const started = performance.now();
    await runStopSteps(
      [
        { what: "hung clients", stop: never },
        {
          what: "failing step",
          stop: () => {
            throw new Error("boom");
          },
        },
        { what: "emulators", stop: () => void ran.push("emulators") },
      ],
      (what, problem) => problems.push(`${what}: ${problem}`),
      300,
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(ran).toEqual(["emulators"]);
    expect(problems).toEqual(["hung clients: still stopping after 300 ms; moving on", "failing step: boom"]);
  });
});

describe("createShutdown", () => {
  function harness(stop: () => Promise<void>) {
    const events: string[] = [];
    const shutdown = createShutdown({
      stop,
      release: () => events.push("release"),
      exit: (code) => events.push(`exit ${code}`),
      say: (line) => events.push(line),
      warn: (line) => events.push(line),
      forceAfterMs: 5_000,
    });
    return { shutdown, events };
  }

  it("stops, releases and exits with the code", async () => {
    const { shutdown, events } = harness(async () => undefined);
    await shutdown.begin(0);
    expect(events).toEqual(["Stopping Kinetic … (Ctrl-C again to force)", "Stopped.", "release", "exit 0"]);
  });

  it("forces the exit when the stop hangs past the deadline", async () => {
    vi.useFakeTimers();
    const { shutdown, events } = harness(never);
    void shutdown.begin(0);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(events).not.toContain("exit 0");
    await vi.advanceTimersByTimeAsync(1);
    expect(events.slice(-3)).toEqual(["Kinetic did not stop within 5 s; forcing exit.", "release", "exit 0"]);
  });

  it("a second Ctrl-C exits at once", () => {
    const { shutdown, events } = harness(never);
    void shutdown.begin(0);
    expect(shutdown.stopping).toBe(true);
    shutdown.force();
    expect(events.slice(-3)).toEqual(["Forced exit.", "release", "exit 130"]);
  });
});
