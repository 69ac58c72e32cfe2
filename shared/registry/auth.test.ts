import { describe, expect, it } from "vitest";
import { OciRegistryClient } from "./oci-client.ts";
import { parseChallenge } from "./auth.ts";

describe("parseChallenge", () => {
  it("reads Artifact Registry's and Docker Hub's bearer challenges", () => {
    expect(
      parseChallenge(
        'Bearer realm="https://us-docker.pkg.dev/v2/token",service="us-docker.pkg.dev",scope="repository:p/r/i:pull"',
      ),
    ).toEqual({
      scheme: "bearer",
      params: {
        realm: "https://us-docker.pkg.dev/v2/token",
        service: "us-docker.pkg.dev",
        scope: "repository:p/r/i:pull",
      },
    });
    expect(parseChallenge('Bearer realm="https://a/token",scope="repository:x:pull,push"')?.params.scope).toBe(
      "repository:x:pull,push",
    );
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: "basic",
      params: { realm: "Registry Realm" },
    });
    expect(parseChallenge(null)).toBeUndefined();
  });
});

/** A scripted registry: each request is answered by the next function in the list. */
function scripted(...answers: Array<(req: Request) => Response>) {
  const seen: Request[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push(req);
    const next = answers.shift();
    if (!next) throw new Error(`unexpected request ${req.method} ${req.url}`);
    return next(req);
  }) as typeof fetch;
  return { fetchFn, seen };
}

describe("OciRegistryClient (scripted)", () => {
  const digest = "sha256:" + "1".repeat(64);
  it("sends the four manifest media types, answers a bearer challenge with Basic credentials, reuses the token", async () => {
    const { fetchFn, seen } = scripted(
      () =>
        new Response(null, {
          status: 401,
          headers: { "www-authenticate": 'Bearer realm="https://auth.test/token",service="reg.test"' },
        }),
      () => Response.json({ access_token: "tok", expires_in: 300 }),
      () =>
        new Response(null, {
          status: 200,
          headers: { "docker-content-digest": digest, "content-type": "application/vnd.oci.image.manifest.v1+json" },
        }),
      () => new Response(null, { status: 404 }),
    );
    const client = new OciRegistryClient({
      fetch: fetchFn,
      credentials: async () => ({ username: "oauth2accesstoken", password: "at" }),
    });
    expect(await client.head("reg.test/p/img:1")).toMatchObject({ digest });
    expect(await client.head("reg.test/p/img:2")).toBeUndefined();
    expect(seen[0]!.url).toBe("https://reg.test/v2/p/img/manifests/1");
    expect(seen[0]!.method).toBe("HEAD");
    expect(seen[0]!.headers.get("accept")?.split(", ")).toEqual([
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.docker.distribution.manifest.v2+json",
    ]);
    const token = new URL(seen[1]!.url);
    expect(token.searchParams.get("service")).toBe("reg.test");
    expect(token.searchParams.get("scope")).toBe("repository:p/img:pull");
    expect(seen[1]!.headers.get("authorization")).toBe(
      "Basic " + Buffer.from("oauth2accesstoken:at").toString("base64"),
    );
    expect(seen[2]!.headers.get("authorization")).toBe("Bearer tok");
    expect(seen[3]!.headers.get("authorization")).toBe("Bearer tok");
  });

  it("hashes the manifest when a HEAD carries no digest; maps 403, 429 and 5xx to Kinetic codes", async () => {
    const body = '{"schemaVersion":2}';
    const { fetchFn } = scripted(
      () => new Response(null, { status: 200 }),
      () =>
        new Response(body, { status: 200, headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" } }),
      () => new Response(null, { status: 403 }),
      () => new Response(null, { status: 429 }),
      () => new Response(null, { status: 503 }),
    );
    const client = new OciRegistryClient({ fetch: fetchFn });
    const { createHash } = await import("node:crypto");
    expect((await client.head("reg.test/a:1"))?.digest).toBe(
      "sha256:" + createHash("sha256").update(body).digest("hex"),
    );
    await expect(client.head("reg.test/a:1")).rejects.toMatchObject({ code: "permission-denied" });
    await expect(client.head("reg.test/a:1")).rejects.toMatchObject({ code: "resource-exhausted" });
    await expect(client.head("reg.test/a:1")).rejects.toMatchObject({ code: "unavailable" });
  });

  it("speaks plain HTTP only to loopback registries", async () => {
    const { fetchFn, seen } = scripted(
      () => new Response(null, { status: 404 }),
      () => new Response(null, { status: 404 }),
    );
    const client = new OciRegistryClient({ fetch: fetchFn });
    await client.head("127.0.0.1:5000/a:1");
    await client.head("localhost.example.com/a:1");
    expect(seen.map((r) => new URL(r.url).protocol)).toEqual(["http:", "https:"]);
  });
});
