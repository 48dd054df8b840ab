/** SqliteSweepRepository on a real, migrated SQLite file: the shared contract. */
import { sweepRepositoryContract } from "../sweep.contract.ts";
import { sqliteStoreFixture } from "./test-fixture.ts";

sweepRepositoryContract("SQLite", () => sqliteStoreFixture("sweeps"));
