/**
 * A bearer-token front for the local registry, shaped like Artifact
 * Registry's: `/v2/…` without a valid token is answered 401 with
 * `WWW-Authenticate: Bearer realm=…,service=…,scope=repository:<name>:<actions>`;
 * the realm hands out short-lived tokens for Basic credentials (user
 * `oauth2accesstoken`, password an access token). Authorized requests are
 * passed to the real registry unchanged. Tests use it to prove the client and
 * crane answer the challenge, cache tokens and fail cleanly on bad credentials.
 */
import { randomBytes } from "node:crypto";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface TokenFront {
  host: string;
  url: string;
  /** Token requests answered, granted or not. */
  readonly tokenRequests: number;
  /** Requests to /v2/ refused for lack of a valid token. */
  readonly challenges: number;
  stop(): Promise<void>;
}

export const AR_USERNAME = "oauth2accesstoken";

export async function startTokenFront(
  upstream: string,
  options: { password: string; ttlSeconds?: number; service?: string },
): Promise<TokenFront> {
  const service = options.service ?? "kinetic-test-registry";
  const tokens = new Map<string, { scopes: Set<string>; expiresAt: number }>();
  const counts = { tokenRequests: 0, challenges: 0 };
  let self = "";

  const issue = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    counts.tokenRequests++;
    const expected = "Basic " + Buffer.from(`${AR_USERNAME}:${options.password}`).toString("base64");
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const token = randomBytes(16).toString("hex");
    const ttl = options.ttlSeconds ?? 300;
    const scopes = new Set(url.searchParams.getAll("scope").flatMap(expandScope));
    tokens.set(token, { scopes, expiresAt: Date.now() + ttl * 1000 });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, expires_in: ttl }));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://front");
    if (url.pathname === "/token") return issue(req, res, url);
    const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\//.exec(url.pathname);
    const write = !["GET", "HEAD"].includes(req.method ?? "GET");
    const need = m ? `repository:${m[1]}:${write ? "push" : "pull"}` : undefined;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const grant = bearer ? tokens.get(bearer) : undefined;
    const ok = grant !== undefined && grant.expiresAt > Date.now() && (need === undefined || grant.scopes.has(need));
    if (!ok) {
      counts.challenges++;
      const scope = m ? `,scope="repository:${m[1]}:${write ? "pull,push" : "pull"}"` : "";
      res
        .writeHead(401, {
          "content-type": "application/json",
          "www-authenticate": `Bearer realm="${self}/token",service="${service}"${scope}`,
        })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    const target = new URL(upstream);
    const headers = { ...req.headers };
    delete headers.authorization;
    // The Host header is kept: the registry builds upload Location URLs from it, which must point back here.
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", (err) => res.writeHead(502).end(String(err)));
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  self = `http://${host}`;
  return {
    host,
    url: self,
    get tokenRequests() {
      return counts.tokenRequests;
    },
    get challenges() {
      return counts.challenges;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// "repository:a/b:pull,push" → each action as its own scope string.
function expandScope(scope: string): string[] {
  const m = /^(repository):(.+):([a-z,*]+)$/.exec(scope);
  if (!m) return [scope];
  return m[3]!.split(",").map((a) => `${m[1]}:${m[2]}:${a}`);
}
