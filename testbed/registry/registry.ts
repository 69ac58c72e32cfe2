/**
 * The local OCI registry and crane for tests and benches: see
 * scripts/lib/oci-registry.ts (local mode, `npm start`, uses it too, and
 * scripts/ cannot import testbed/).
 */
export {
  buildsPaths,
  requireBinary,
  startRegistry,
  type BuildsPaths,
  type LocalRegistry,
} from "../../scripts/lib/oci-registry.ts";
