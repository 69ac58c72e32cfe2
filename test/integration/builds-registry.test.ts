/**
 * The OCI registry client against a real registry (distribution on
 * 127.0.0.1), directly and behind a bearer-token front shaped like Artifact
 * Registry's: HEAD finds an image's digest or answers "absent", labels are
 * read from the config blob, tokens are fetched once and reused, and bad or
 * missing credentials and a dead registry are clean Kinetic errors.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OciRegistryClient } from "../../shared/registry/oci-client.ts";
import { freePort } from "../../scripts/lib/processes.ts";
import { startRegistry, type LocalRegistry } from "../../testbed/registry/registry.ts";
import { AR_USERNAME, startTokenFront, type TokenFront } from "../../testbed/registry/token-front.ts";
import { crane, pushImageFromFiles } from "../../testbed/registry/fixtures.ts";
import { CraneBuilder, writeDockerConfig } from "../../shared/builds/backends/crane.ts";
import { requireBinary } from "../../testbed/registry/registry.ts";
import type { BuildKey } from "../../shared/builds/key.ts";

let reg: LocalRegistry;
let front: TokenFront;
let baseDigest: string;
const SECRET = "ya29.test-access-token";

beforeAll(async () => {
  reg = await startRegistry();
  front = await startTokenFront(reg.url, { password: SECRET });
  baseDigest = await pushImageFromFiles(`${reg.host}/kinetic/base:1`, { "etc/kinetic-base": "base\n" });
  crane(["mutate", `${reg.host}/kinetic/base:1`, "--label", "team=ml", "-t", `${reg.host}/kinetic/labelled:1`]);
  crane(["index", "append", "-m", `${reg.host}/kinetic/labelled:1`, "-t", `${reg.host}/kinetic/multi:1`]);
});
afterAll(async () => {
  await front?.stop();
  await reg?.stop();
});

describe("OciRegistryClient on a real registry", () => {
  it("HEAD answers the digest crane pushed, by tag and by digest; absent tags and repositories are undefined", async () => {
    const client = new OciRegistryClient();
    const head = await client.head(`${reg.host}/kinetic/base:1`);
    expect(head).toMatchObject({
      digest: baseDigest,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    });
    expect(head!.size).toBeGreaterThan(0);
    expect((await client.head(`${reg.host}/kinetic/base@${baseDigest}`))?.digest).toBe(baseDigest);
    expect(await client.head(`${reg.host}/kinetic/base:2`)).toBeUndefined();
    expect(await client.head(`${reg.host}/kinetic/nothing-here:1`)).toBeUndefined();
    expect(client.requests).toBe(4);
  });

  it("reads labels from the config blob, through an OCI index too", async () => {
    const client = new OciRegistryClient();
    expect(await client.labels(`${reg.host}/kinetic/labelled:1`)).toEqual({ team: "ml" });
    const index = await client.head(`${reg.host}/kinetic/multi:1`);
    expect(index?.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(await client.labels(`${reg.host}/kinetic/multi:1`)).toEqual({ team: "ml" });
    expect(await client.labels(`${reg.host}/kinetic/labelled:9`)).toBeUndefined();
  });

  it("a registry that is not there is unavailable (retryable)", async () => {
    const client = new OciRegistryClient({ timeoutMs: 2000 });
    await expect(client.head(`127.0.0.1:${await freePort()}/kinetic/base:1`)).rejects.toMatchObject({
      code: "unavailable",
    });
  });
});

describe("the local parts", () => {
  it("a part that was never built is a loud error naming the command that builds it", () => {
    const saved = process.env.KINETIC_BUILDS_CACHE;
    process.env.KINETIC_BUILDS_CACHE = mkdtempSync(join(tmpdir(), "kinetic-empty-cache-"));
    try {
      expect(() => requireBinary("crane")).toThrow(/crane is not built .* run: npm run testbed:build/);
      expect(() => requireBinary("registry")).toThrow(/registry is not built/);
    } finally {
      rmSync(process.env.KINETIC_BUILDS_CACHE, { recursive: true, force: true });
      if (saved === undefined) delete process.env.KINETIC_BUILDS_CACHE;
      else process.env.KINETIC_BUILDS_CACHE = saved;
    }
  });
});

describe("bearer-token auth, as Artifact Registry does it", () => {
  const credentials = async () => ({ username: AR_USERNAME, password: SECRET });

  it("answers the challenge once, then reuses the token", async () => {
    const client = new OciRegistryClient({ credentials });
    const before = front.tokenRequests;
    for (let i = 0; i < 5; i++) expect((await client.head(`${front.host}/kinetic/base:1`))?.digest).toBe(baseDigest);
    expect(await client.head(`${front.host}/kinetic/base:404`)).toBeUndefined();
    expect(front.tokenRequests - before).toBe(1);
    expect(await client.labels(`${front.host}/kinetic/labelled:1`)).toEqual({ team: "ml" });
  });

  it("wrong or missing credentials are unauthenticated, not 'absent'", async () => {
    const wrong = new OciRegistryClient({ credentials: async () => ({ username: AR_USERNAME, password: "nope" }) });
    await expect(wrong.head(`${front.host}/kinetic/base:1`)).rejects.toMatchObject({ code: "unauthenticated" });
    await expect(new OciRegistryClient().head(`${front.host}/kinetic/base:1`)).rejects.toMatchObject({
      code: "unauthenticated",
    });
  });

  it("crane pushes through the front with the same credentials (DOCKER_CONFIG)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kinetic-dockercfg-"));
    const ctx = mkdtempSync(join(tmpdir(), "kinetic-ctx-"));
    try {
      await writeDockerConfig(dir, front.host, AR_USERNAME, SECRET);
      const builder = new CraneBuilder({ crane: requireBinary("crane"), dockerConfigDir: dir });
      const key = "e".repeat(64) as BuildKey;
      const r = await builder.start(
        {
          key,
          repository: `${front.host}/kinetic/pushed`,
          baseImage: `${front.host}/kinetic/base@${baseDigest}`,
          accelerator: "cpu",
          context: { files: [], totalBytes: 0, ignored: 0 },
        },
        () => {},
      );
      expect(r.status).toBe("finished");
      const client = new OciRegistryClient({ credentials });
      expect((await client.head(`${front.host}/kinetic/pushed:${key}`))?.digest).toBe(
        r.status === "finished" && r.output.digest,
      );
      const noCreds = new CraneBuilder({ crane: requireBinary("crane"), dockerConfigDir: ctx });
      await expect(
        noCreds.start(
          {
            key,
            repository: `${front.host}/kinetic/denied`,
            baseImage: `${front.host}/kinetic/base@${baseDigest}`,
            accelerator: "cpu",
            context: { files: [], totalBytes: 0, ignored: 0 },
          },
          () => {},
        ),
      ).rejects.toMatchObject({ name: "BuildFailure", reason: "RegistryDenied" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(ctx, { recursive: true, force: true });
    }
  });
});
