/** What the study domain needs: the jobs domain's deps (trials are jobs) and the study store. */
import type { JobDeps } from "../jobs/submit.ts";
import type { StudyStore } from "../store/study-store.ts";

export interface StudyDeps extends JobDeps {
  studies: StudyStore;
}
