/**
 * `kinetic dashboard`'s proxy against a real HTTP server on 127.0.0.1 standing in for the deployed API, with
 * an injected token source (Google credentials are what cannot run here): what it forwards and adds, what it
 * refuses (foreign Host headers, requests without this run's session), streaming, and what it never logs.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { loopbackHost, startDashboardProxy, type DashboardProxy } from "./dashboard-proxy.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The stand-in API: records each request; /stream writes "one", waits for `release`, then "two". */
async function upstream(): Promise<{ url: string; seen: Seen[]; release: () => void }> {
  const seen: Seen[] = [];
  let release = () => {};
  const released = new Promise<void>((r) => (release = r));
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url!.startsWith("/api/stream")) {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("one\n");
        void released.then(() => res.end("two\n"));
        return;
      }
      res.writeHead(req.url === "/api/missing" ? 404 : 200, {
        "content-type": "application/json",
        "x-upstream": "yes",
      });
      res.end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanups.push(() => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`, seen, release };
}

async function proxyTo(
  target: string,
  token: () => Promise<string>,
  log?: (l: string) => void,
): Promise<DashboardProxy> {
  const proxy = await startDashboardProxy({ target, token, ...(log ? { log } : {}) });
  cleanups.push(() => proxy.close());
  return proxy;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with full control of the headers (fetch would not let a test send a foreign Host). */
function call(
  proxy: DashboardProxy,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; onChunk?: (text: string) => void } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: proxy.port,
        path,
        method: opts.method ?? "GET",
        headers: { host: `127.0.0.1:${proxy.port}`, ...opts.headers },
      },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
          opts.onChunk?.(d.toString());
        });
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** Opens the printed URL as the browser would; returns the session cookie it was given. */
async function startSession(proxy: DashboardProxy): Promise<string> {
  const res = await call(proxy, new URL(proxy.openUrl).pathname + new URL(proxy.openUrl).search);
  expect(res.status).toBe(302);
  expect(res.headers.location).toBe("/ui/");
  const cookie = res.headers["set-cookie"]![0]!;
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  return cookie.split(";")[0]!;
}

describe("the dashboard proxy", () => {
  it("forwards to the API under its path prefix with the source's bearer token, and nothing of the browser's credentials", async () => {
    const api = await upstream();
    let n = 0;
    const proxy = await proxyTo(api.url, async () => `token-${++n}`);
    expect(proxy.origin).toBe(`http://127.0.0.1:${proxy.port}`);
    const cookie = await startSession(proxy);

    const res = await call(proxy, "/jobs?namespace=team-a&limit=2", {
      headers: { cookie, authorization: "Bearer from-the-page" },
    });
    expect(res.status).toBe(200);
    expect(res.headers["x-upstream"]).toBe("yes");
    const post = await call(proxy, "/jobs", {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: '{"image":"x"}',
    });
    expect(post.status).toBe(200);
    expect((await call(proxy, "/missing", { headers: { cookie } })).status).toBe(404);

    expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "GET /api/jobs?namespace=team-a&limit=2",
      "POST /api/jobs",
      "GET /api/missing",
    ]);
    // Each request asks the source (which refreshes before expiry): the newest token goes out.
    expect(api.seen.map((s) => s.headers.authorization)).toEqual([
      "Bearer token-1",
      "Bearer token-2",
      "Bearer token-3",
    ]);
    expect(api.seen[1]!.body).toBe('{"image":"x"}');
    for (const s of api.seen) expect(s.headers.cookie).toBeUndefined();
  });

  it("answers /ui/proxy.json itself, so the page knows it needs no sign-in", async () => {
    const api = await upstream();
    const proxy = await proxyTo(api.url, async () => "t");
    const cookie = await startSession(proxy);
    const res = await call(proxy, "/ui/proxy.json", { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ proxy: true });
    expect(api.seen).toEqual([]);
  });

  it("streams an answer through as it arrives (a followed log)", async () => {
    const api = await upstream();
    const proxy = await proxyTo(api.url, async () => "t");
    const cookie = await startSession(proxy);
    const chunks: string[] = [];
    let firstArrived = () => {};
    const first = new Promise<void>((r) => (firstArrived = r));
    const answer = call(proxy, "/stream?follow=true", {
      headers: { cookie },
      onChunk: (t) => {
        chunks.push(t);
        firstArrived();
      },
    });
    // The first chunk reaches the client while the API still holds the rest back.
    await first;
    expect(chunks.join("")).toBe("one\n");
    api.release();
    expect((await answer).body).toBe("one\ntwo\n");
  });

  it("refuses Host headers other than its own loopback port (DNS rebinding), before anything is forwarded", async () => {
    const api = await upstream();
    const proxy = await proxyTo(api.url, async () => "t");
    const cookie = await startSession(proxy);
    for (const host of [
      `evil.example:${proxy.port}`,
      `127.0.0.1.nip.io:${proxy.port}`,
      `127.0.0.1:${proxy.port + 1}`,
      "127.0.0.1",
    ]) {
      const res = await call(proxy, "/jobs", { headers: { cookie, host } });
      expect(res.status, host).toBe(403);
      expect(res.body).toContain("answers only as 127.0.0.1");
    }
    expect((await call(proxy, "/jobs", { headers: { cookie, host: `localhost:${proxy.port}` } })).status).toBe(200);
    expect(api.seen).toHaveLength(1);
    expect(loopbackHost(`[::1]:${proxy.port}`, proxy.port)).toBe(true);
    expect(loopbackHost(undefined, proxy.port)).toBe(false);
  });

  it("signs nothing for a request without this run's session (another site, another local user)", async () => {
    const api = await upstream();
    const proxy = await proxyTo(api.url, async () => "t");
    const noSession = await call(proxy, "/jobs");
    expect(noSession.status).toBe(401);
    expect(noSession.body).toContain("open the URL kinetic dashboard printed");
    expect((await call(proxy, "/ui/proxy.json")).status).toBe(401);
    expect((await call(proxy, "/jobs", { headers: { cookie: `kinetic-dashboard-${proxy.port}=guess` } })).status).toBe(
      401,
    );
    expect((await call(proxy, "/ui/?session=guess")).status).toBe(403);
    expect(api.seen).toEqual([]);
  });

  it("listens on 127.0.0.1 only: the machine's other addresses refuse the connection", async () => {
    const api = await upstream();
    const proxy = await proxyTo(api.url, async () => "t");
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === "IPv4")
      .map((a) => a!.address);
    for (const address of others) {
      const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        const req = request({ host: address, port: proxy.port, path: "/ui/" }, () => resolve(undefined));
        req.on("error", (e) => resolve(e));
        req.end();
      });
      expect(err?.code, address).toBe("ECONNREFUSED");
    }
    // And the loopback address answers (the same request, with no session: 401, not a refused connection).
    expect((await call(proxy, "/jobs")).status).toBe(401);
  });

  it("says why when it has no token or the API does not answer, and never logs tokens or the session key", async () => {
    const lines: string[] = [];
    const api = await upstream();
    const secret = "eyJhbGciOiJSUzI1NiJ9.secret-token.sig";
    const failing = await proxyTo(
      api.url,
      async () => {
        throw new Error("gcloud is not installed (not on PATH)");
      },
      (l) => lines.push(l),
    );
    const c1 = await startSession(failing);
    const noToken = await call(failing, "/jobs", { headers: { cookie: c1 } });
    expect(noToken.status).toBe(502);
    expect(JSON.parse(noToken.body).error.message).toBe(
      "kinetic dashboard has no identity token: gcloud is not installed (not on PATH)",
    );

    const down = await proxyTo(
      "http://127.0.0.1:9/api",
      async () => secret,
      (l) => lines.push(l),
    );
    const c2 = await startSession(down);
    const unreachable = await call(down, "/jobs?namespace=a", { headers: { cookie: c2 } });
    expect(unreachable.status).toBe(502);
    expect(JSON.parse(unreachable.body).error.message).toContain("the API at http://127.0.0.1:9 did not answer");
    await call(down, "/jobs", { headers: { cookie: c2 } });

    expect(lines).toContain("GET /jobs -> 502");
    const logged = lines.join("\n");
    for (const s of [secret, c1.split("=")[1]!, c2.split("=")[1]!, new URL(down.openUrl).searchParams.get("session")!])
      expect(logged).not.toContain(s);
    expect(logged).not.toContain("namespace=a");
  });
});
