/**
 * Waiting on a build someone else runs (a joined request, a job in BUILDING):
 * poll the record until it is SUCCEEDED or FAILED. Records never move
 * backwards, so the first terminal state read is the answer.
 */
import { KineticError } from "../errors.ts";
import { isTerminalBuildState, type BuildDoc, type BuildStore } from "../store/build-store.ts";

export async function waitForBuild(
  builds: BuildStore,
  id: string,
  options: { timeoutMs?: number; pollMs?: number; onProgress?: (b: BuildDoc) => void } = {},
): Promise<BuildDoc> {
  const deadline = Date.now() + (options.timeoutMs ?? 1_800_000);
  for (;;) {
    const b = await builds.get(id);
    if (!b) throw new KineticError("not-found", `build ${id} not found`);
    options.onProgress?.(b);
    if (isTerminalBuildState(b.state)) return b;
    if (Date.now() > deadline) throw new KineticError("unavailable", `build ${id} is still ${b.state} after the wait`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
  }
}
