/** The store contracts on the Firestore emulator (the same suites run in memory in the unit project). */
import { FirestoreDocs } from "../../shared/store/firestore-docs.ts";
import { storeContracts } from "../contract/index.ts";
import { testFirestore } from "./support.ts";

storeContracts("the Firestore emulator", () => new FirestoreDocs(testFirestore("contract")));
