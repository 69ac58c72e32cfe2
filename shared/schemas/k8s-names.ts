/**
 * Kubernetes naming rules (apimachinery's validation package), checked on the
 * client so a bad label or name fails at submit time with the field named,
 * not later as an opaque API-server rejection. Each check returns the reason
 * it fails, or undefined when the value is valid.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
// The classic C_IDENTIFIER-plus-dots rule; newer API servers relax it, but a
// name outside it breaks most shells and many runtimes.
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export const LABEL_VALUE_MAX = 63;
export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;

/** Namespaces, Service names' relatives, hostnames: lower-case alphanumerics and '-', ≤ 63. */
export function dns1123LabelError(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > DNS1123_LABEL_MAX) return `must be at most ${DNS1123_LABEL_MAX} characters (got ${value.length})`;
  if (!DNS1123_LABEL.test(value))
    return "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit";
  return undefined;
}

/** Object names (Secrets, PVCs, ServiceAccounts): DNS-1123 subdomain, ≤ 253. */
export function dns1123SubdomainError(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > DNS1123_SUBDOMAIN_MAX)
    return `must be at most ${DNS1123_SUBDOMAIN_MAX} characters (got ${value.length})`;
  if (!DNS1123_SUBDOMAIN.test(value))
    return "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit";
  return undefined;
}

export function isDns1035Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && DNS1035_LABEL.test(value);
}

/** Label and annotation keys: optional DNS-subdomain prefix, '/', then a name ≤ 63. */
export function qualifiedNameError(key: string): string | undefined {
  if (key.length === 0) return "key must not be empty";
  const parts = key.split("/");
  if (parts.length > 2) return "key may contain at most one '/' (prefix/name)";
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0) return "key prefix before '/' must not be empty";
    const prefixError = dns1123SubdomainError(prefix);
    if (prefixError) return `key prefix ${prefixError}`;
  }
  if (name.length === 0) return "key name must not be empty";
  if (name.length > 63) return `key name part must be at most 63 characters (got ${name.length})`;
  if (!QUALIFIED_NAME.test(name))
    return "key name part must be alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
  return undefined;
}

export function labelValueError(value: string): string | undefined {
  if (value.length > LABEL_VALUE_MAX)
    return `value must be at most ${LABEL_VALUE_MAX} characters (got ${value.length})`;
  if (!LABEL_VALUE.test(value))
    return "value must be empty or alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
  return undefined;
}

export function envVarNameError(name: string): string | undefined {
  if (name.length === 0) return "name must not be empty";
  if (!ENV_VAR_NAME.test(name)) return "name must be letters, digits, '_', '-' or '.', and must not start with a digit";
  return undefined;
}

/**
 * Turn one of Kinetic's own values (accelerator name, job id) into a valid
 * label value: invalid characters become '-', ends are trimmed, length capped.
 * User-supplied labels are never sanitised — they are rejected instead.
 */
export function sanitizeLabelValue(value: string): string {
  let out = value.replace(/[^A-Za-z0-9_.-]+/g, "-");
  out = out.slice(0, LABEL_VALUE_MAX);
  out = out.replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
  return out;
}

// Image references: [registry[:port]/]path[:tag][@digest], per the
// distribution/reference grammar (lower-case path components).
const IMAGE_REF =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

export function imageReferenceError(image: string): string | undefined {
  if (/\s/.test(image) || image.length === 0) return "must be a non-empty image reference without spaces";
  if (image.length > 4096) return "must be at most 4096 characters";
  if (!IMAGE_REF.test(image))
    return 'must be an image reference like "python:3.12" or "us-docker.pkg.dev/project/repo/image:tag" (lower-case repository path, optional :tag and @sha256:digest)';
  return undefined;
}
