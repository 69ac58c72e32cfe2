/**
 * A build request, validated at the edge: what to put on which base image.
 * The context is a directory the CLI packs (honouring `.kineticignore`) or a
 * Git repository at one commit; either way it becomes the same file set, and
 * the build key is computed from that set, not from where it came from (see
 * key.ts), so the same content pushed twice builds once.
 */
import { invalid } from "../errors.ts";
import { BuildRequest } from "../schemas/build-request.ts";

// The schema is a leaf (shared/schemas/build-request.ts) so the job spec can name a build; re-exported here.
export {
  ACCELERATOR_CATEGORIES,
  BuildContext,
  BuildRequest,
  DirContext,
  GitContext,
  ImageReference,
  isAcceleratorCategory,
  MAX_REQUIREMENTS_CHARS,
  type AcceleratorCategory,
} from "../schemas/build-request.ts";

/** Parses a request or throws invalid-argument with one issue per bad field. */
export function parseBuildRequest(input: unknown): BuildRequest {
  const r = BuildRequest.safeParse(input);
  if (r.success) return r.data;
  throw invalid(
    "the build request is invalid",
    r.error.issues.map((i) => ({ field: i.path.join(".") || "(root)", message: i.message })),
  );
}
