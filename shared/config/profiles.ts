/**
 * The profiles store: ~/.kinetic/profiles.json (or KINETIC_PROFILES_FILE),
 * shaped {"current": NAME|null, "profiles": {NAME: {project, zone, cluster, namespace}}}.
 *
 * Invariants: a write is a temp file plus rename (readers never see half a
 * file), mode 0600; read-modify-write runs under an exclusive lock file so
 * concurrent writers do not lose each other's updates; a file that does not
 * parse is reported and never overwritten.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { distance } from "fastest-levenshtein";
import { z } from "zod";
import { ProfileNotFoundError, ProfileStoreError } from "./errors.ts";
import {
  parseCluster,
  parseHttpUrl,
  parseNamespace,
  parseProfileName,
  parseProject,
  parseZone,
  type Parsed,
} from "./validators.ts";

const checked = (parse: (raw: string) => Parsed<string>) =>
  z.string().superRefine((raw, ctx) => {
    const r = parse(raw);
    if (!r.ok) ctx.addIssue({ code: "custom", message: `${JSON.stringify(raw)}: ${r.reason}` });
  });

export const Profile = z.strictObject({
  project: checked(parseProject),
  zone: checked(parseZone),
  cluster: checked(parseCluster),
  namespace: checked(parseNamespace),
  apiUrl: checked(parseHttpUrl).optional(),
});
export type Profile = z.infer<typeof Profile>;

/** The fields `profile create` asks for; apiUrl is optional and never prompted. */
export const PROFILE_FIELDS = ["project", "zone", "cluster", "namespace"] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

export const ProfileStore = z.strictObject({
  current: z.string().nullable(),
  profiles: z.record(checked(parseProfileName), Profile),
});
export type ProfileStore = z.infer<typeof ProfileStore>;

export const DEFAULT_PROFILES_FILE = "~/.kinetic/profiles.json";

/** KINETIC_PROFILES_FILE, else ~/.kinetic/profiles.json under the user's home. */
export function profilesFilePath(env: Record<string, string | undefined> = process.env): {
  path: string;
  fromEnv: boolean;
} {
  const fromEnv = env.KINETIC_PROFILES_FILE;
  if (fromEnv) return { path: fromEnv, fromEnv: true };
  return { path: join(env.HOME || homedir(), ".kinetic", "profiles.json"), fromEnv: false };
}

export function emptyStore(): ProfileStore {
  return { current: null, profiles: {} };
}

/** Reads the store; a missing file is an empty store, a broken one an error. */
export async function readProfiles(path: string): Promise<ProfileStore> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyStore();
    throw new ProfileStoreError(`cannot read profiles file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const hint = `fix the file by hand or move it away (Kinetic never overwrites a broken profiles file)`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProfileStoreError(`profiles file ${path} is not valid JSON: ${(err as Error).message}`, {
      hint,
      cause: err,
    });
  }
  const parsed = ProfileStore.safeParse(json);
  const issues = parsed.success
    ? []
    : parsed.error.issues.map((i) => ({ field: i.path.join(".") || "(file)", message: i.message }));
  // Checked by hand (not in the schema) so it is reported together with any field errors.
  const raw = json as { current?: unknown; profiles?: unknown };
  if (typeof raw?.current === "string" && raw.profiles && typeof raw.profiles === "object")
    if (!Object.hasOwn(raw.profiles, raw.current))
      issues.push({ field: "current", message: `names profile "${raw.current}", which is not in "profiles"` });
  if (issues.length > 0 || !parsed.success)
    throw new ProfileStoreError(`profiles file ${path} has an invalid shape`, { hint, issues });
  return parsed.data;
}

export function getProfile(store: ProfileStore, name: string, path: string): Profile {
  if (Object.hasOwn(store.profiles, name)) return store.profiles[name]!;
  throw new ProfileNotFoundError(`profile "${name}" not found in ${path}`, notFoundHint(store, name));
}

export function notFoundHint(store: ProfileStore, name: string): string {
  const names = Object.keys(store.profiles).sort();
  if (names.length === 0) return "no profiles exist yet; create one with `kinetic profile create NAME`";
  const near = names.find((n) => distance(n.toLowerCase(), name.toLowerCase()) <= 2);
  return `${near ? `did you mean "${near}"? ` : ""}available profiles: ${names.join(", ")}`;
}

/** Writes the whole store atomically: temp file in the same directory, fsync, rename. */
export async function writeProfiles(path: string, store: ProfileStore): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(JSON.stringify(store, null, 2) + "\n", "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 15_000;

/**
 * Runs read-modify-write under `<file>.lock` (O_EXCL create). A lock older
 * than 30 s is taken to be left by a crashed process and removed.
 */
export async function updateProfiles<T>(path: string, change: (store: ProfileStore) => T | Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const lock = `${path}.lock`;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const h = await open(lock, "wx", 0o600);
      await h.writeFile(String(process.pid));
      await h.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() - started > LOCK_WAIT_MS)
        throw new ProfileStoreError(`profiles file ${path} is locked by another kinetic process`, {
          hint: `if no other kinetic command is running, remove ${lock}`,
        });
      await new Promise((r) => setTimeout(r, Math.min(200, 10 + attempt * 10 + Math.random() * 20)));
    }
  }
  try {
    const store = await readProfiles(path);
    const result = await change(store);
    await writeProfiles(path, store);
    return result;
  } finally {
    await rm(lock, { force: true });
  }
}
