/** Every store contract, for one document backend. */
import type { DocDb } from "../../shared/store/docs.ts";
import { buildStoreContract } from "./build-store.contract.ts";
import { docsContract } from "./docs.contract.ts";
import { jobStoreContract } from "./job-store.contract.ts";
import { leaseStoreContract } from "./lease-store.contract.ts";
import { operatorConfigStoreContract } from "./operator-config-store.contract.ts";
import { runStoreContract } from "./run-store.contract.ts";
import { studyStoreContract } from "./study-store.contract.ts";
import { repoStoreContract } from "./repo-store.contract.ts";

export function storeContracts(backend: string, open: () => DocDb): void {
  docsContract(backend, open);
  jobStoreContract(backend, open);
  leaseStoreContract(backend, open);
  runStoreContract(backend, open);
  buildStoreContract(backend, open);
  studyStoreContract(backend, open);
  repoStoreContract(backend, open);
  operatorConfigStoreContract(backend, open);
}
