// Throwaway PKI for one testbed run: a CA, one serving certificate for 127.0.0.1 (API server and the JobSet/Kueue
// webhook servers all listen there), the service-account signing key and the admin token. Uses the `openssl` CLI
// because Node can make keys but not X.509 certificates.
import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly saKey: string;
  readonly saPub: string;
  readonly tokenFile: string;
  /** Bearer token of the `admin` user in `system:masters`. Never logged. */
  readonly adminToken: string;
  readonly caPem: string;
}

// Kueue's cert rotator re-validates whatever certificate it finds in its Secret: the CA must be valid for the DNS
// name "kueue-ca" and the serving certificate for the webhook Service name; both keys must be PKCS#1.
export const KUEUE_CA_NAME = "kueue-ca";
export const KUEUE_WEBHOOK_DNS = "kueue-webhook-service.kueue-system.svc";

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run("openssl", args, { cwd });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT")
      throw new Error("testbed: the `openssl` CLI is required to generate test certificates", { cause: err });
    throw new Error(`testbed: openssl ${args[0]} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

export async function createPki(dir: string): Promise<Pki> {
  const p = (name: string) => join(dir, name);
  // Ten years: the rotators renew anything expiring within 90 days.
  const days = "3650";
  await writeFile(
    p("openssl.cnf"),
    [
      "[req]",
      "distinguished_name = dn",
      "[dn]",
      "[ca]",
      "basicConstraints = critical, CA:TRUE",
      "keyUsage = critical, keyCertSign, digitalSignature, keyEncipherment",
      `subjectAltName = DNS:${KUEUE_CA_NAME}`,
      "[serving]",
      "basicConstraints = CA:FALSE",
      "keyUsage = critical, digitalSignature, keyEncipherment",
      "extendedKeyUsage = serverAuth",
      `subjectAltName = IP:127.0.0.1, DNS:localhost, DNS:kubernetes, DNS:kubernetes.default.svc, DNS:${KUEUE_WEBHOOK_DNS}, DNS:jobset-webhook-service.jobset-system.svc`,
      "",
    ].join("\n"),
  );
  await openssl(["genrsa", "-traditional", "-out", "ca.key", "2048"], dir);
  await openssl(
    [
      "req",
      "-x509",
      "-new",
      "-key",
      "ca.key",
      "-subj",
      `/O=kueue/CN=${KUEUE_CA_NAME}`,
      "-days",
      days,
      "-config",
      "openssl.cnf",
      "-extensions",
      "ca",
      "-out",
      "ca.crt",
    ],
    dir,
  );
  await openssl(["genrsa", "-traditional", "-out", "serving.key", "2048"], dir);
  await openssl(
    ["req", "-new", "-key", "serving.key", "-subj", "/CN=127.0.0.1", "-config", "openssl.cnf", "-out", "serving.csr"],
    dir,
  );
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      "serving.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      days,
      "-extfile",
      "openssl.cnf",
      "-extensions",
      "serving",
      "-out",
      "serving.crt",
    ],
    dir,
  );

  const sa = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  await writeFile(p("sa.key"), sa.privateKey, { mode: 0o600 });
  await writeFile(p("sa.pub"), sa.publicKey);

  const adminToken = randomBytes(24).toString("hex");
  await writeFile(p("tokens.csv"), `${adminToken},admin,admin,system:masters\n`, { mode: 0o600 });

  return {
    dir,
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    servingCert: p("serving.crt"),
    servingKey: p("serving.key"),
    saKey: p("sa.key"),
    saPub: p("sa.pub"),
    tokenFile: p("tokens.csv"),
    adminToken,
    caPem: await readFile(p("ca.crt"), "utf8"),
  };
}
