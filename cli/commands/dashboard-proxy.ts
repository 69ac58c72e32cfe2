/**
 * `kinetic dashboard`'s local proxy: listens on 127.0.0.1 only and forwards every request to the deployed
 * API with `Authorization: Bearer <the user's Google identity token>`, so the dashboard at /ui/ works
 * without a sign-in step and no public login page is needed. It answers /ui/proxy.json itself, which tells
 * the page it is proxied (the API has no such file).
 *
 * Only the user's browser may use it: the Host header must name this loopback port (a DNS-rebound name is
 * refused), and every request must carry this run's session cookie, set when the printed URL (which holds
 * the session key once) is opened. The cookie is SameSite=Strict, so other sites cannot make the browser
 * send signed requests, and other local users, who cannot read the URL, get nothing signed either.
 * Neither the token nor the session key is ever logged.
 */
import { randomBytes } from "node:crypto";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { safeEqual } from "../../shared/security/compare.ts";

export interface DashboardProxyOptions {
  /** The deployed API's base URL (any path prefix is kept). */
  target: string;
  /** A valid bearer token per call (refreshed by the source before it expires). */
  token: () => Promise<string>;
  /** 0 or absent: a free port. */
  port?: number;
  /** One line per request (method, path, status): never headers, query strings or tokens. */
  log?: (line: string) => void;
}

export interface DashboardProxy {
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  /** What to open: the dashboard with this run's session key, which the proxy moves into a cookie. */
  openUrl: string;
  close(): Promise<void>;
}

export const MARKER_PATH = "/ui/proxy.json";
const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);
/** Not forwarded: hop-by-hop headers, and the browser's own credentials (the proxy's session cookie). */
const DROPPED_REQUEST = new Set([
  "connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "authorization",
  "cookie",
]);
const DROPPED_RESPONSE = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

export async function startDashboardProxy(options: DashboardProxyOptions): Promise<DashboardProxy> {
  const target = new URL(options.target);
  if (target.protocol !== "https:" && target.protocol !== "http:")
    throw new Error(`the API URL must be http(s): ${target.protocol}`);
  const basePath = target.pathname.replace(/\/+$/, "");
  const sessionKey = randomBytes(24).toString("base64url");
  let port = 0;
  const cookieName = () => `kinetic-dashboard-${port}`;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) fail(res, 502, "unavailable", `kinetic dashboard: ${(err as Error).message}`);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    const done = (status: number) => options.log?.(`${req.method} ${path} -> ${status}`);
    if (!loopbackHost(req.headers.host, port)) {
      done(403);
      return fail(res, 403, "permission-denied", `kinetic dashboard answers only as 127.0.0.1:${port}`);
    }
    const url = new URL(req.url ?? "/", "http://loopback");
    const offered = url.searchParams.get("session");
    if (offered !== null && (path === "/ui/" || path === "/ui")) {
      if (!safeEqual(offered, sessionKey)) {
        done(403);
        return fail(res, 403, "permission-denied", "this is not the session key kinetic dashboard printed");
      }
      // The key leaves the address bar (and the history) at once; the cookie carries it from here.
      res.writeHead(302, {
        location: "/ui/",
        "set-cookie": `${cookieName()}=${sessionKey}; HttpOnly; SameSite=Strict; Path=/`,
        "cache-control": "no-store",
      });
      res.end();
      return done(302);
    }
    if (!safeEqual(sessionCookie(req.headers.cookie, cookieName()) ?? "", sessionKey)) {
      done(401);
      return fail(res, 401, "unauthenticated", "open the URL kinetic dashboard printed: it starts this session");
    }
    if (path === MARKER_PATH) {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ proxy: true }));
      return done(200);
    }
    let bearer: string;
    try {
      bearer = await options.token();
    } catch (err) {
      done(502);
      return fail(res, 502, "unauthenticated", `kinetic dashboard has no identity token: ${(err as Error).message}`);
    }
    await forward(req, res, bearer, done);
  }

  function forward(req: IncomingMessage, res: ServerResponse, bearer: string, done: (s: number) => void) {
    return new Promise<void>((resolve) => {
      const headers: OutgoingHttpHeaders = { ...pick(req.headers, DROPPED_REQUEST), authorization: `Bearer ${bearer}` };
      const send = target.protocol === "https:" ? httpsRequest : httpRequest;
      const upstream = send(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port || undefined,
          method: req.method,
          path: `${basePath}${req.url ?? "/"}`,
          headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, pick(answer.headers, DROPPED_RESPONSE));
          // Piped as it arrives: a followed log streams through chunk by chunk.
          answer.pipe(res);
          answer.on("end", () => {
            done(answer.statusCode ?? 502);
            resolve();
          });
          answer.on("error", () => {
            res.destroy();
            resolve();
          });
        },
      );
      upstream.on("error", (err) => {
        if (!res.headersSent)
          fail(res, 502, "unavailable", `the API at ${target.origin} did not answer: ${err.message}`);
        else res.destroy();
        done(502);
        resolve();
      });
      // The browser went away (a page left, a stream aborted): so does the upstream request.
      res.on("close", () => {
        if (!res.writableFinished) upstream.destroy();
        resolve();
      });
      req.pipe(upstream);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new Error(`port ${options.port} on 127.0.0.1 is in use; choose another with --port`)
          : err,
      ),
    );
    // Loopback only, whatever the machine's interfaces: never reachable from another host.
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    openUrl: `${origin}/ui/?session=${sessionKey}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** True when the Host header names this loopback port (so a DNS-rebound name, which the page's origin would carry, is refused). */
export function loopbackHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.toLowerCase());
  if (!m) return false;
  return LOOPBACK_NAMES.has(m[1]!) && Number(m[2] ?? 80) === port;
}

function sessionCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function pick(headers: IncomingHttpHeaders, dropped: Set<string>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !dropped.has(k)) out[k] = v;
  return out;
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify({ error: { code, message } }));
}
