/** The store contracts on the in-memory backend (the same suites run on the Firestore emulator in the integration project). */
import { MemoryDocs } from "../../shared/store/memory-docs.ts";
import { storeContracts } from "../contract/index.ts";

storeContracts("memory", () => new MemoryDocs());
