/**
 * Entry point for the plain Pulumi CLI (`pulumi preview`, `pulumi up` from
 * infra/, Node 24). `kinetic up` does not use it: it runs the same deploy()
 * inline. Settings come from stack config; `kinetic:pools` is required (use
 * "[]" for none) so a plain `pulumi up` never drops pools by omission.
 */
import * as pulumi from "@pulumi/pulumi";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseInfraConfig } from "./config.ts";
import { deploy } from "./index.ts";

const kinetic = new pulumi.Config("kinetic");
const gcpConfig = new pulumi.Config("gcp");
const cfg = parseInfraConfig({
  project: gcpConfig.require("project"),
  zone: gcpConfig.require("zone"),
  cluster: kinetic.require("cluster"),
  pools: kinetic.requireObject("pools"),
  ...(kinetic.getObject("namespaces") ? { namespaces: kinetic.getObject("namespaces") } : {}),
  ...(kinetic.getObject("apiInvokers") ? { apiInvokers: kinetic.getObject("apiInvokers") } : {}),
  ...(kinetic.getObject("cpuPool") ? { cpuPool: kinetic.getObject("cpuPool") } : {}),
  ...(kinetic.getObject("operators") ? { operators: kinetic.getObject("operators") } : {}),
  ...(kinetic.get("firestoreDatabase") ? { firestoreDatabase: kinetic.get("firestoreDatabase") } : {}),
});

const outputs = deploy(cfg, { repoRoot: resolve(dirname(fileURLToPath(import.meta.url)), "..") });
export const cluster = outputs.cluster;
export const pools = outputs.pools;
export const imageRepository = outputs.imageRepository;
export const functionUrls = outputs.functionUrls;
export const localQueue = outputs.localQueue;
/** Same output name as `kinetic up`, so either path can follow the other. */
export const config = cfg;
