/**
 * A package-lock.json for a subset of the root's dependencies, cut from the
 * root lockfile: the shipped package installs exactly the versions this
 * checkout was tested with (`npm ci`), not whatever the ranges resolve to on
 * the day of the deploy.
 */

export interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  link?: boolean;
  [field: string]: unknown;
}

export interface Lockfile {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

export interface LockRoot {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  engines?: Record<string, string>;
}

/** "node_modules/a/node_modules/@s/b" → "node_modules/a"; a top-level package → "" (the root). */
function parentOf(path: string): string {
  const at = path.lastIndexOf("/node_modules/");
  return at === -1 ? "" : path.slice(0, at);
}

/** The lock path Node's resolution finds `name` at, required from the package at `from` ("" is the root). */
export function locate(packages: Lockfile["packages"], from: string, name: string): string | undefined {
  for (let dir = from; ; dir = parentOf(dir)) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
  }
}

interface Edge {
  name: string;
  optional: boolean;
}

/** Runtime edges of a package: dependencies, optional ones, and peers that are not optional. */
function edgesOf(entry: LockEntry): Edge[] {
  const meta = entry.peerDependenciesMeta ?? {};
  return [
    ...Object.keys(entry.dependencies ?? {}).map((name) => ({ name, optional: false })),
    ...Object.keys(entry.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
    ...Object.keys(entry.peerDependencies ?? {})
      .filter((name) => !meta[name]?.optional)
      .map((name) => ({ name, optional: false })),
  ];
}

/** Lock paths reachable from the root's `names`; with `viaOptional` false, only through required edges. */
function reach(packages: Lockfile["packages"], names: string[], viaOptional: boolean): Set<string> {
  const seen = new Set<string>();
  const queue: Array<{ from: string; edge: Edge }> = names.map((name) => ({
    from: "",
    edge: { name, optional: false },
  }));
  for (let item = queue.shift(); item; item = queue.shift()) {
    const { from, edge } = item;
    if (edge.optional && !viaOptional) continue;
    const path = locate(packages, from, edge.name);
    if (path === undefined) {
      if (edge.optional) continue; // another platform's package, or one that failed to install
      throw new Error(`package-lock.json has no ${edge.name} for ${from || "the root"}: run npm install`);
    }
    const entry = packages[path]!;
    if (entry.link) throw new Error(`${path} is a link (workspace); the lockfile subset does not support links`);
    if (seen.has(path)) continue;
    seen.add(path);
    for (const next of edgesOf(entry)) queue.push({ from: path, edge: next });
  }
  return seen;
}

/**
 * The subset of `lock` that installing `root.dependencies` needs, with the
 * flags recomputed: nothing is dev any more, and a package is optional when
 * only optional edges lead to it.
 */
export function pruneLockfile(lock: Lockfile, root: LockRoot): Lockfile {
  if (lock.lockfileVersion < 2) throw new Error(`lockfileVersion ${lock.lockfileVersion} has no "packages" map`);
  const names = Object.keys(root.dependencies);
  for (const name of names) {
    const declared = lock.packages[""]?.dependencies?.[name];
    if (declared !== root.dependencies[name])
      throw new Error(`package-lock.json is out of date for ${name} (${declared} ≠ ${root.dependencies[name]})`);
  }
  const all = reach(lock.packages, names, true);
  const required = reach(lock.packages, names, false);
  const packages: Lockfile["packages"] = {
    "": {
      name: root.name,
      version: root.version,
      dependencies: root.dependencies,
      ...(root.engines ? { engines: root.engines } : {}),
    },
  };
  for (const path of [...all].sort()) {
    const { dev: _d, optional: _o, devOptional: _do, peer: _p, ...entry } = lock.packages[path]!;
    packages[path] = required.has(path) ? entry : { ...entry, optional: true };
  }
  return { name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages };
}
