/**
 * `kinetic dashboard [--port N] [--no-open]`: the deployed stack's web dashboard through a local proxy
 * (dashboard-proxy.ts) that signs every request with the user's identity token, the same one every other
 * command sends (KINETIC_API_TOKEN, else `gcloud auth print-identity-token`), fetched again before it
 * expires. Opens the browser at the proxy's URL and runs until interrupted.
 */
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { refreshingTokenSource } from "../../shared/client/refreshing-token.ts";
import { requireSetting } from "../../shared/config/resolve.ts";
import { invalid } from "../../shared/errors.ts";
import type { CliContext } from "../context.ts";
import { startDashboardProxy } from "./dashboard-proxy.ts";

export interface DashboardCommandDeps {
  /** Opens the URL in the user's browser; a failure is reported, not fatal (the URL is printed). */
  openBrowser: (url: string) => Promise<void>;
  /** Resolves when the proxy should stop (Ctrl-C by default). */
  until: () => Promise<void>;
  /** Overrides the token source (tests); by default the CLI's own, refreshed before expiry. */
  token?: () => Promise<string>;
}

/** xdg-open (Linux), open (macOS) or start (Windows); rejects when none could be started. */
export function openBrowser(url: string): Promise<void> {
  const [cmd, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", '""', url]]
        : ["xdg-open", [url]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: "ignore", detached: true });
    child.once("error", (err) => reject(new Error(`${cmd}: ${err.message}`)));
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
  });
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

export function registerDashboardCommand(
  program: Command,
  ctx: CliContext,
  deps: DashboardCommandDeps = { openBrowser, until: untilInterrupted },
): void {
  program
    .command("dashboard")
    .description("open the deployed stack's web dashboard through a local proxy that signs requests as you")
    .option("--port <PORT>", "port on 127.0.0.1 (default: a free one)")
    .option("--no-open", "print the URL only; do not open a browser")
    .action(async (opts: { port?: string; open: boolean }) => {
      const port = opts.port === undefined ? 0 : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw invalid(`--port must be a port number, not "${opts.port}"`, [{ field: "port", message: "0-65535" }]);
      const config = await ctx.config();
      // A derived API URL needs the project: report the missing project, not a missing URL.
      if (config.settings.apiUrl.value === undefined) requireSetting(config, "project");
      const target = requireSetting(config, "apiUrl");
      const token = deps.token ?? refreshingTokenSource(config.apiToken.value, ctx.env);
      // Fail now, before opening anything, when there is no identity to sign with.
      await token();
      const debug = config.settings.logLevel.value === "DEBUG";
      const proxy = await startDashboardProxy({
        target,
        token,
        port,
        ...(debug ? { log: (line: string) => ctx.io.err(`DEBUG ${line}\n`) } : {}),
      });
      ctx.io.out(
        `Dashboard: ${proxy.openUrl}\n` +
          `  proxying ${target} as you (127.0.0.1 only; the URL's key starts the session). Ctrl-C stops it.\n`,
      );
      if (opts.open)
        await deps.openBrowser(proxy.openUrl).catch((err: unknown) => {
          ctx.io.err(`could not open a browser (${(err as Error).message}): open the URL above\n`);
        });
      await deps.until();
      await proxy.close();
    });
}
