/**
 * A job's logs, streamed: GET /jobs/{id}/logs?follow=true&tail=N read chunk by chunk and appended as it
 * arrives, keeping the last MAX_LINES. Every answer starts with the log's tail, so a reconnect replaces
 * what is shown instead of repeating lines. The server ends the stream when the workload's log ends; while
 * the job is still running (an attempt ended, the API instance was recycled, the network dropped) it
 * reconnects with backoff. Once the job is terminal, one plain read gives the final tail and it stops.
 * Errors are kept for the page to show; the lines stay.
 */
import { getStream, type Query } from "./api.ts";

export const MAX_LINES = 5000;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 16_000;
/** A connection that lasted this long was healthy: the next reconnect starts from the first delay again. */
const HEALTHY_MS = 10_000;
/** After the job is terminal, an open stream gets this long to end by itself before the final read. */
const FINAL_GRACE_MS = 5000;
/** Re-rendering 5,000 lines per chunk would be wasteful: chunks are coalesced for this long. */
const RENDER_MS = 50;

export class LogStream {
  /** Whole lines, oldest first, then the unfinished last line. */
  private lines: string[] = [];
  private partial = "";
  private terminal = false;
  private hasWorkload = false;
  private started = false;
  private stopped = false;
  private finished = false;
  private controller: AbortController | undefined;
  private wake: (() => void) | undefined;
  private renderTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  /** The last failure, until a connection succeeds again. */
  error: Error | undefined;

  private readonly view: HTMLElement;
  private readonly path: string;
  private readonly query: Query;

  constructor(view: HTMLElement, path: string, query: Query) {
    this.view = view;
    this.path = path;
    this.query = query;
  }

  /** True once the final tail of a terminal job is shown. */
  get done(): boolean {
    return this.finished;
  }

  /** Told on every refresh of the job: starts the stream, and reconnects early when the job ends or starts running. */
  update(job: { terminal: boolean; hasWorkload: boolean }): void {
    if (this.stopped) return;
    const ended = job.terminal && !this.terminal;
    const appeared = job.hasWorkload && !this.hasWorkload;
    this.terminal ||= job.terminal;
    this.hasWorkload ||= job.hasWorkload;
    if (!this.started) {
      this.started = true;
      // The page is left by replacing its element: stop then (a hash change, signing out).
      this.watchdog = setInterval(() => {
        if (!this.view.isConnected) this.stop();
      }, 1000);
      void this.run();
      return;
    }
    if (ended) {
      const open = this.controller;
      if (open) setTimeout(() => open.abort("final"), FINAL_GRACE_MS);
    }
    if (ended || appeared) this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort("stopped");
    this.wake?.();
    clearInterval(this.watchdog);
  }

  private async run(): Promise<void> {
    let quickEnds = 0;
    while (!this.stopped && !this.finished) {
      // Nothing to read before the job has a workload: wait for the refresh that reports one (or its end).
      if (!this.hasWorkload && !this.terminal) {
        await this.sleep(MAX_RETRY_MS);
        continue;
      }
      const final = this.terminal;
      const opened = Date.now();
      try {
        await this.read(!final);
        this.error = undefined;
        if (final) this.finished = true;
      } catch (err) {
        if (this.stopped) return;
        // Our own abort after the job ended is not a failure: the final read follows at once.
        if (this.controller?.signal.reason !== "final")
          this.error = err instanceof Error ? err : new Error(String(err));
      }
      this.controller = undefined;
      if (this.finished || this.stopped) break;
      if (this.terminal && !final) continue;
      if (Date.now() - opened >= HEALTHY_MS) quickEnds = 0;
      await this.sleep(Math.min(FIRST_RETRY_MS * 2 ** quickEnds++, MAX_RETRY_MS));
    }
    clearInterval(this.watchdog);
    this.render();
  }

  private async read(follow: boolean): Promise<void> {
    const controller = (this.controller = new AbortController());
    const body = await getStream(
      this.path,
      { ...this.query, tail: MAX_LINES, ...(follow ? { follow: "true" } : {}) },
      controller.signal,
    );
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let first = true;
    for (;;) {
      const { value, done } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (text) {
        // The answer begins with the tail of the whole log: it replaces what the last connection showed.
        if (first) this.reset();
        first = false;
        this.append(text);
      }
      if (done) break;
    }
    // A final read that is empty means an empty log (a job that never ran).
    if (first && !follow) this.reset();
    this.scheduleRender();
  }

  private reset(): void {
    this.lines = [];
    this.partial = "";
  }

  private append(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop()!;
    this.lines.push(...parts);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    this.scheduleRender();
  }

  private scheduleRender(): void {
    this.renderTimer ??= setTimeout(() => this.render(), RENDER_MS);
  }

  private render(): void {
    clearTimeout(this.renderTimer);
    this.renderTimer = undefined;
    const view = this.view;
    // Follow the tail only when the reader is already at the bottom.
    const atBottom = view.scrollTop + view.clientHeight >= view.scrollHeight - 4;
    const text = this.lines.length ? `${this.lines.join("\n")}\n${this.partial}` : this.partial;
    view.textContent = text || (this.finished ? "(no output)" : "(waiting for output…)");
    view.dataset.lines = String(this.lines.length + (this.partial ? 1 : 0));
    if (atBottom) view.scrollTop = view.scrollHeight;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
