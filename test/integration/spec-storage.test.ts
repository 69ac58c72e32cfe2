/**
 * Every spec the limits accept fits a Firestore job record (1 MiB per
 * document) with room for its history, and a spec that cannot be accepted —
 * however large — is still recorded as REJECTED with a bounded reason, so a
 * Pub/Sub message is acked instead of looping to the dead-letter topic.
 * On the Firestore emulator; the cluster is in memory (KINETIC_TESTBED=off works).
 */
import { describe, expect, it } from "vitest";
import { MAX_MESSAGE_CHARS } from "../../shared/errors.ts";
import { MemoryCluster } from "../../shared/cluster/memory-cluster.ts";
import { submitJob } from "../../shared/jobs/submit.ts";
import { JOB_SPEC_LIMITS, parseJobSpec } from "../../shared/schemas/job-spec.ts";
import { jsonBytes } from "../../shared/schemas/job-spec-limits.ts";
import { handleJobMessage } from "../../functions/submit-job/handler.ts";
import { testDeps, uniqueId } from "./support.ts";

const NS = "team-a";
const deps = () => testDeps({ namespaces: [NS], cluster: new MemoryCluster() });

/** n strings "<prefix><i>" padded with x to `len` characters. */
const padded = (n: number, len: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}`.padEnd(len, "x"));

/**
 * The largest spec the limits accept: every list and map at its count limit,
 * numbers where Firestore stores them wider than JSON does (8 bytes each),
 * and env values filling the rest of the byte limit.
 */
function largestSpec(id: string): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id,
    namespace: NS,
    command: padded(JOB_SPEC_LIMITS.command, 16, "c"),
    args: padded(JOB_SPEC_LIMITS.args, 16, "a"),
    secrets: padded(JOB_SPEC_LIMITS.secrets, 16, "s"),
    imagePullSecrets: padded(JOB_SPEC_LIMITS.imagePullSecrets, 16, "p"),
    tolerations: Array.from({ length: JOB_SPEC_LIMITS.tolerations }, (_, i) => ({
      key: `k${i}`,
      operator: "Exists",
      effect: "NoExecute",
      tolerationSeconds: 1,
    })),
    labels: Object.fromEntries(padded(JOB_SPEC_LIMITS.labels, 40, "l").map((k) => [k, "v"])),
    annotations: Object.fromEntries(padded(JOB_SPEC_LIMITS.annotations, 40, "n").map((k) => [k, "v"])),
    nodeSelector: Object.fromEntries(padded(JOB_SPEC_LIMITS.nodeSelector, 40, "sel").map((k) => [k, "v"])),
    persistentVolumeClaims: Object.fromEntries(
      padded(JOB_SPEC_LIMITS.persistentVolumeClaims, 40, "pvc").map((k, i) => [k, `/mnt/${i}`]),
    ),
    env: {},
  };
  const names = padded(JOB_SPEC_LIMITS.env, 24, "E");
  const room = JOB_SPEC_LIMITS.specBytes - jsonBytes(parseJobSpec(base))! - JOB_SPEC_LIMITS.env * 32;
  const value = "v".repeat(Math.floor(room / JOB_SPEC_LIMITS.env));
  const env = Object.fromEntries(names.map((n) => [n, value]));
  // Top up one value to the exact byte limit of the normalised spec.
  const left = JOB_SPEC_LIMITS.specBytes - jsonBytes(parseJobSpec({ ...base, env }))!;
  env[names[0]!] += "v".repeat(left);
  return { ...base, env };
}

describe("job records stay within Firestore's document limit", () => {
  it("stores the largest accepted spec, and its history on top", async () => {
    const d = deps();
    const id = uniqueId("largest");
    const input = largestSpec(id);
    const spec = parseJobSpec(input);
    expect(jsonBytes(spec)).toBe(JOB_SPEC_LIMITS.specBytes);

    const outcome = await submitJob(d, { spec: input, principal: "tester", source: "test" });
    expect(outcome.status).toBe("created");
    // Every later state change appends an event with a message; give each the longest message Kinetic keeps.
    const long = "m".repeat(MAX_MESSAGE_CHARS);
    for (const to of ["RUNNING", "FAILED"] as const) {
      const r = await d.store.transition({ namespace: NS, id }, { to, reason: "Test", message: long });
      expect(r.job.state).toBe(to);
    }
    const stored = await d.store.get({ namespace: NS, id });
    expect(stored?.spec).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(stored?.events.length).toBeGreaterThanOrEqual(4);
  });

  it("the emulator does refuse a document over 1 MiB (so the test above means something)", async () => {
    const d = deps();
    await expect(
      d.store.create({
        id: uniqueId("too-big"),
        namespace: NS,
        accelerator: "cpu",
        spec: { env: { BIG: "x".repeat(1_100_000) } },
        source: "test",
      }),
    ).rejects.toMatchObject({ code: "invalid-argument" });
  });
});

describe("a spec that cannot be accepted is still recorded", () => {
  it("records a 5 MB job message as REJECTED with a bounded reason, and acks it", async () => {
    const d = deps();
    const id = uniqueId("huge-msg");
    const spec = {
      namespace: NS + "x".repeat(1_000_000),
      accelerator: "l4".repeat(500_000),
      env: { A: "x".repeat(3_000_000) },
    };
    const outcome = await handleJobMessage(d, {
      id: "event-1",
      data: {
        message: {
          data: Buffer.from(JSON.stringify(spec)).toString("base64"),
          attributes: { jobId: id },
          messageId: uniqueId("m"),
          publishTime: new Date().toISOString(),
        },
      },
    });
    expect(outcome?.status).toBe("rejected");
    // A namespace that is not one cannot name the record: it sits in "", which only operators see.
    const stored = await d.store.get({ namespace: "", id });
    expect(stored).toMatchObject({ state: "REJECTED", reason: "InvalidSpec" });
    expect(stored!.message!.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(stored!.message).toContain("the limit is 524288 (512 KiB)");
    expect(stored!.namespace).toBe("");
  });

  it("records a spec with a thousand bad entries, listing the first and counting the rest", async () => {
    const d = deps();
    const id = uniqueId("many-bad");
    const env = Object.fromEntries(padded(1000, 400, "bad name ").map((k) => [k, "v"]));
    const outcome = await submitJob(d, { spec: { id, namespace: NS, env }, principal: "tester", source: "test" });
    expect(outcome.status).toBe("rejected");
    const stored = await d.store.get({ namespace: NS, id });
    expect(stored?.state).toBe("REJECTED");
    expect(stored!.message!.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(stored!.message).toContain("more problems not listed");
  });
});
