/**
 * `kinetic dashboard` as a user runs it (the real CLI, a subprocess): it signs with the identity token gcloud
 * gives (the fake gcloud of helpers.ts), prints the proxy's URL, opens it with xdg-open (a fake on PATH that
 * records its argument), forwards to the configured API URL, and stops on Ctrl-C.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, REPO, sandbox, type Sandbox } from "./helpers.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function api(): Promise<{ url: string; auth: string[] }> {
  const auth: string[] = [];
  const server: Server = createServer((req, res) => {
    auth.push(req.headers.authorization ?? "");
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"jobs":[]}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth };
}

async function box(): Promise<Sandbox> {
  const sb = await sandbox();
  cleanups.push(() => sb.cleanup());
  return sb;
}

/** Starts `kinetic dashboard ARGS` and resolves with the URL it prints (or its exit, when it fails first). */
function startCli(
  sb: Sandbox,
  args: string[],
  env: Record<string, string>,
): Promise<{
  child: ChildProcess;
  url?: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}> {
  const child = spawn(process.execPath, [BIN, "dashboard", ...args], {
    env: { ...sb.env, ...env },
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
  });
  return new Promise((resolve) => {
    const result = { child, stdout: () => stdout, stderr: () => stderr, exited };
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      const url = /Dashboard: (\S+)/.exec(stdout)?.[1];
      if (url) resolve({ ...result, url });
    });
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    void exited.then(() => resolve(result));
  });
}

function get(url: string, cookie?: string): Promise<{ status: number; setCookie?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: cookie ? { cookie } : {} }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, setCookie: res.headers["set-cookie"]?.[0], body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const idToken = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).toString("base64url")}.sig`;

describe("kinetic dashboard", () => {
  it("proxies the configured API with gcloud's identity token, opens the browser, and stops on Ctrl-C", async () => {
    const sb = await box();
    const upstream = await api();
    // The fake xdg-open records what it was asked to open.
    const opened = join(sb.home, "opened.txt");
    await writeFile(join(sb.binDir, "xdg-open"), `#!/bin/sh\necho "$1" > "${opened}"\n`);
    await chmod(join(sb.binDir, "xdg-open"), 0o755);

    const cli = await startCli(sb, [], { KINETIC_API_URL: upstream.url, FAKE_GCLOUD_TOKEN: idToken });
    expect(cli.url, cli.stderr()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/\?session=[\w-]+$/);
    await expect.poll(() => readFile(opened, "utf8").catch(() => "")).toBe(`${cli.url}\n`);

    const start = await get(cli.url!);
    expect(start.status).toBe(302);
    const cookie = start.setCookie!.split(";")[0]!;
    const jobs = await get(`${new URL(cli.url!).origin}/jobs`, cookie);
    expect(jobs).toMatchObject({ status: 200, body: '{"jobs":[]}' });
    expect(upstream.auth).toEqual([`Bearer ${idToken}`]);
    expect(cli.stdout() + cli.stderr()).not.toContain(idToken);

    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
    await expect(get(`${new URL(cli.url!).origin}/jobs`, cookie)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("--no-open prints the URL only; --port picks the port", async () => {
    const sb = await box();
    const upstream = await api();
    const opened = join(sb.home, "opened.txt");
    await writeFile(join(sb.binDir, "xdg-open"), `#!/bin/sh\necho "$1" > "${opened}"\n`);
    await chmod(join(sb.binDir, "xdg-open"), 0o755);
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));

    const cli = await startCli(sb, ["--no-open", "--port", String(port)], {
      KINETIC_API_URL: upstream.url,
      KINETIC_API_TOKEN: "explicit-token",
    });
    expect(cli.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/ui/\\?session=`));
    const cookie = (await get(cli.url!)).setCookie!.split(";")[0]!;
    await get(`http://127.0.0.1:${port}/studies`, cookie);
    expect(upstream.auth).toEqual(["Bearer explicit-token"]);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
    expect(await readFile(opened, "utf8").catch(() => "not opened")).toBe("not opened");
  });

  it("fails before listening when there is no identity to sign with", async () => {
    const sb = await box();
    const cli = await startCli(sb, ["--no-open"], { KINETIC_API_URL: "http://127.0.0.1:9" });
    expect(await cli.exited).not.toBe(0);
    expect(cli.url).toBeUndefined();
    expect(cli.stderr()).toContain("no API token");
  });
});
