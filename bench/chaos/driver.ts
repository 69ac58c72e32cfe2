/**
 * Our own Pub/Sub push transport (not the emulator's push, which delivers
 * ~15 msg/s and cannot duplicate on demand). Each message pulled from the
 * emulator's subscription is turned into the push request Eventarc sends
 * (a binary CloudEvent carrying MessagePublishedData) and POSTed `copies`
 * times at once, with random delays so deliveries of different messages
 * interleave out of order. A round where no copy got a 2xx (an error, or the
 * process killed mid-request) is a nack: redelivered later with backoff, up
 * to `maxAttempts`, then dead-lettered. A 2xx from any copy acks.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";

/** Stands in for the push subscription's OIDC token: submitJob authenticates every delivery. */
export const PUSH_TOKEN = randomBytes(16).toString("hex");

export interface PulledMessage {
  id: string;
  data: Buffer;
  attributes: Record<string, string>;
  publishTime: string;
  ack(): void;
}

export interface DriverOptions {
  url: string;
  project: string;
  topic: string;
  subscription: string;
  /** Concurrent copies of every delivery round. */
  copies: number;
  maxAttempts: number;
  /** POSTs in flight at most (a function instance's concurrency). */
  maxInFlight: number;
  /** Each copy waits 0..jitterMs before it is sent. */
  jitterMs: number;
  /** Called once per message, when its first copy is sent (cancels race from there). */
  onFirstSend?: (jobId: string | undefined) => void;
  /** Where POST → 2xx times go (the stats' array; pass one to read it while the driver runs). */
  okRoundTripMs?: number[];
}

export interface DriverStats {
  messages: number;
  deliveries: number;
  ok: number;
  /** Non-2xx answers (the handler threw: a transient fault). */
  errors: number;
  /** Refused or reset connections, timeouts: the process was down or killed. */
  connectionFailures: number;
  /** connectionFailures by cause: ECONNREFUSED (down), ECONNRESET / socket closed (killed mid-request), timeout… */
  failureCauses: Record<string, number>;
  nackedRounds: number;
  acked: number;
  /** Messages the emulator handed out again while we still held or had acked them. */
  emulatorRedeliveries: number;
  deadLettered: string[];
  /** POST → 2xx, per successful delivery. */
  okRoundTripMs: number[];
}

interface Entry {
  msg: PulledMessage;
  jobId: string | undefined;
  attempts: number;
  sent: boolean;
  done: boolean;
}

export class PushDriver {
  readonly stats: DriverStats = {
    messages: 0,
    deliveries: 0,
    ok: 0,
    errors: 0,
    connectionFailures: 0,
    failureCauses: {},
    nackedRounds: 0,
    acked: 0,
    emulatorRedeliveries: 0,
    deadLettered: [],
    okRoundTripMs: [],
  };
  private readonly entries = new Map<string, Entry>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  private readonly options: DriverOptions;

  constructor(options: DriverOptions) {
    this.options = options;
    if (options.okRoundTripMs) this.stats.okRoundTripMs = options.okRoundTripMs;
  }

  /** Messages finished (acked or dead-lettered). */
  get finished(): number {
    return this.stats.acked + this.stats.deadLettered.length;
  }

  accept(msg: PulledMessage): void {
    const known = this.entries.get(msg.id);
    if (known) {
      this.stats.emulatorRedeliveries++;
      if (known.done) msg.ack();
      return;
    }
    const entry: Entry = { msg, jobId: jobIdOf(msg.data), attempts: 0, sent: false, done: false };
    this.entries.set(msg.id, entry);
    this.stats.messages++;
    void this.round(entry);
  }

  /** Stops scheduling redeliveries (in-flight POSTs finish on their own). */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async round(entry: Entry): Promise<void> {
    if (this.closed) return;
    entry.attempts++;
    const results = await Promise.all(Array.from({ length: this.options.copies }, () => this.deliver(entry)));
    if (results.some(Boolean)) {
      entry.done = true;
      entry.msg.ack();
      this.stats.acked++;
      return;
    }
    this.stats.nackedRounds++;
    if (entry.attempts >= this.options.maxAttempts) {
      // As a dead-letter policy would: forwarded elsewhere and acked here.
      entry.done = true;
      entry.msg.ack();
      this.stats.deadLettered.push(entry.jobId ?? entry.msg.id);
      return;
    }
    const backoff = Math.min(8_000, 500 * 2 ** (entry.attempts - 1)) * (0.5 + Math.random() / 2);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.round(entry);
    }, backoff);
    this.timers.add(timer);
  }

  private async deliver(entry: Entry): Promise<boolean> {
    await sleep(Math.random() * this.options.jitterMs);
    await this.acquire();
    this.stats.deliveries++;
    if (!entry.sent) {
      entry.sent = true;
      this.options.onFirstSend?.(entry.jobId);
    }
    const t0 = performance.now();
    try {
      const res = await fetch(this.options.url + `/projects/${this.options.project}/topics/${this.options.topic}`, {
        method: "POST",
        headers: this.headers(entry.msg),
        body: JSON.stringify(this.body(entry.msg)),
        signal: AbortSignal.timeout(60_000),
      });
      await res.arrayBuffer();
      if (res.ok) {
        this.stats.ok++;
        this.stats.okRoundTripMs.push(performance.now() - t0);
        return true;
      }
      this.stats.errors++;
      return false;
    } catch (err) {
      this.stats.connectionFailures++;
      const cause = causeOf(err);
      this.stats.failureCauses[cause] = (this.stats.failureCauses[cause] ?? 0) + 1;
      return false;
    } finally {
      this.release();
    }
  }

  /** Eventarc's binary CloudEvent for a Pub/Sub message. */
  private headers(msg: PulledMessage): Record<string, string> {
    return {
      authorization: `Bearer ${PUSH_TOKEN}`,
      "content-type": "application/json",
      "ce-specversion": "1.0",
      "ce-id": msg.id,
      "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
      "ce-source": `//pubsub.googleapis.com/projects/${this.options.project}/topics/${this.options.topic}`,
      "ce-time": msg.publishTime,
    };
  }

  private body(msg: PulledMessage) {
    return {
      message: {
        data: msg.data.toString("base64"),
        attributes: msg.attributes,
        messageId: msg.id,
        publishTime: msg.publishTime,
      },
      subscription: `projects/${this.options.project}/subscriptions/${this.options.subscription}`,
    };
  }

  private async acquire(): Promise<void> {
    while (this.inFlight >= this.options.maxInFlight) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }
}

function jobIdOf(data: Buffer): string | undefined {
  try {
    const id = (JSON.parse(data.toString("utf8")) as { id?: unknown }).id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

function causeOf(err: unknown): string {
  if (err instanceof Error && err.name === "TimeoutError") return "timeout";
  const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
  return cause?.code ?? (err instanceof Error ? err.name : "unknown");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
