/**
 * Where a resolved setting came from. `config show` prints these labels, so a
 * user can always tell which layer won.
 */

export type Source =
  | { kind: "argument" }
  | { kind: "flag"; flag: string }
  | { kind: "env"; name: string }
  | { kind: "profile"; profile: string }
  | { kind: "stored"; file: string }
  | { kind: "gcloud" }
  | { kind: "default" }
  | { kind: "unset" };

export function sourceLabel(source: Source): string {
  switch (source.kind) {
    case "argument":
      return "SDK argument";
    case "flag":
      return `flag ${source.flag}`;
    case "env":
      return `env ${source.name}`;
    case "profile":
      return `profile ${source.profile}`;
    case "stored":
      return `stored in ${source.file}`;
    case "gcloud":
      return "gcloud config (core/project)";
    case "default":
      return "default";
    case "unset":
      return "not set";
  }
}
