/**
 * A job's outputs on its page: the files under its output dir (GET /jobs/{id}/outputs), each downloadable.
 * Downloads go through the API with the same credential as everything else, so a plain link would not do:
 * the file is fetched as a blob and saved through an object URL.
 */
import { getBlob, getJson, type Query } from "./api.ts";
import { h, table, when } from "./dom.ts";
import type { OutputFile } from "./types.ts";

/** While the job runs its outputs (checkpoints) grow: listed again this often, and once more when it ends. */
const RUNNING_REFRESH_MS = 15_000;

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export class JobOutputs {
  readonly el = h("div", { id: "outputs" });
  /** A failed download says so here, beside the list it came from. */
  private readonly alert = h("p", { role: "alert", class: "inline-error", hidden: true });
  private listedAt = 0;
  private final = false;
  private shown = false;

  private readonly base: string;
  private readonly query: Query;

  constructor(base: string, query: Query) {
    this.base = base;
    this.query = query;
  }

  /** Lists the outputs when due; a failure throws (the page shows it) and the last list stays. */
  async refresh(terminal: boolean): Promise<void> {
    if (this.final) return;
    if (!terminal && this.shown && Date.now() - this.listedAt < RUNNING_REFRESH_MS) return;
    const { files, outputDir } = await getJson<{ files: OutputFile[]; outputDir: string }>(
      `${this.base}/outputs`,
      this.query,
    );
    this.listedAt = Date.now();
    this.final = terminal;
    this.shown = true;
    this.el.replaceChildren(
      this.alert,
      files.length
        ? table(
            `${files.length} file${files.length === 1 ? "" : "s"} in ${outputDir}`,
            ["File", "Size", "Updated"],
            files.map((f) => [
              h("button", { type: "button", class: "download", onclick: () => void this.download(f.path) }, f.path),
              size(f.size),
              when(f.updated),
            ]),
          )
        : h("p", { class: "empty" }, terminal ? `No outputs in ${outputDir}.` : `No outputs yet in ${outputDir}.`),
    );
  }

  private async download(path: string): Promise<void> {
    this.alert.hidden = true;
    try {
      const encoded = path.split("/").map(encodeURIComponent).join("/");
      const blob = await getBlob(`${this.base}/outputs/${encoded}`, this.query);
      const href = URL.createObjectURL(blob);
      const a = h("a", { href, download: path.split("/").pop() ?? "output", hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      // The click has handed the blob to the download; the URL is not needed after this turn.
      setTimeout(() => URL.revokeObjectURL(href), 1000);
    } catch (err) {
      this.alert.textContent = `Could not download ${path}: ${err instanceof Error ? err.message : String(err)}`;
      this.alert.hidden = false;
    }
  }
}
