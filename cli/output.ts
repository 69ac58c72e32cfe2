/**
 * Terminal output: aligned tables for people, JSON for scripts, errors with
 * their field issues and a fix hint, and a spinner that exists only on a TTY
 * (stderr), so piped output stays clean.
 */
import { ConfigError } from "../shared/config/errors.ts";
import { KineticError } from "../shared/errors.ts";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  stderrIsTty: boolean;
  stdinIsTty: boolean;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  stderrIsTty: Boolean(process.stderr.isTTY),
  stdinIsTty: Boolean(process.stdin.isTTY && process.stdout.isTTY),
};

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + "\n");
}

/** Left-aligned columns separated by two spaces; trailing spaces trimmed. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

export function formatError(err: unknown): string {
  if (err instanceof KineticError) {
    let text = `error: ${err.message}\n`;
    for (const issue of err.issues) text += `  - ${issue.field}: ${issue.message}\n`;
    if (err instanceof ConfigError && err.hint) text += `hint: ${err.hint}\n`;
    return text;
  }
  return `error: ${err instanceof Error ? err.message : String(err)}\n`;
}

/** "3m ago" style age for tables. */
export function age(iso: string | undefined, now: Date = new Date()): string {
  if (!iso) return "-";
  const s = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (Number.isNaN(s)) return "-";
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A one-line spinner on stderr; silent when stderr is not a terminal. */
export class Spinner {
  private timer: ReturnType<typeof setInterval> | undefined;
  private text = "";
  private frame = 0;
  private readonly io: Io;

  constructor(io: Io) {
    this.io = io;
  }

  start(text: string): void {
    this.text = text;
    if (!this.io.stderrIsTty || this.timer) return;
    this.render();
    this.timer = setInterval(() => this.render(), 100);
    this.timer.unref();
  }

  update(text: string): void {
    this.text = text;
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.io.err("\r\x1b[2K");
  }

  private render(): void {
    this.io.err(`\r\x1b[2K${FRAMES[this.frame++ % FRAMES.length]} ${this.text}`);
  }
}
