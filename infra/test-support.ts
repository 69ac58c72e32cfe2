/**
 * Test support: runs deploy() under Pulumi's in-process mocks (no cloud, no
 * plugins) and records every resource registration with its resolved inputs.
 * The mock answers only what real providers compute and the program reads back
 * (service account emails, function URLs, the project number).
 */
import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import type { InfraConfig } from "./config.ts";

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export const REPO_ROOT = resolve(import.meta.dirname, "..");

export function computedState(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "gcp:serviceaccount/account:Account":
      return {
        email: `${inputs.accountId}@${inputs.project}.iam.gserviceaccount.com`,
        name: `projects/${inputs.project}/serviceAccounts/${inputs.accountId}`,
      };
    case "gcp:cloudfunctionsv2/function:Function":
      // gen2 functions' `url` is the stable cloudfunctions.net form (the run.app URI is serviceConfig.uri).
      return { url: `https://${inputs.location}-${inputs.project}.cloudfunctions.net/${inputs.name}` };
    case "gcp:storage/bucketObject:BucketObject":
      return { generation: "1700000000000000" };
    case "gcp:container/cluster:Cluster":
      return { endpoint: "203.0.113.10", masterAuth: { clusterCaCertificate: "Q0E=" } };
    default:
      return {};
  }
}

export const PROJECT_NUMBER = "123456789012";

/** Runs the program once for `cfg` and returns what it registered and its outputs. */
export async function runDeploy(
  cfg: InfraConfig,
): Promise<{ resources: Recorded[]; outputs: Record<string, unknown> }> {
  const resources: Recorded[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args.type, args.inputs) } };
      },
      call: (args) =>
        args.token === "gcp:organizations/getProject:getProject"
          ? { ...args.inputs, number: PROJECT_NUMBER }
          : args.inputs,
    },
    "kinetic",
    `${cfg.project}-${cfg.cluster}`,
    false,
  );
  const { deploy } = await import("./index.ts");
  const out = deploy(cfg, { repoRoot: REPO_ROOT });
  const outputs = (await new Promise((done) => pulumi.output(out).apply(done))) as Record<string, unknown>;
  // Every registration is an RPC: wait for all of them before looking.
  await pulumi.runtime.disconnect();
  return { resources, outputs };
}

export const byType = (resources: Recorded[], type: string): Recorded[] => resources.filter((r) => r.type === type);
