/** SqliteArtifactRepository on a real, migrated SQLite file: the shared contract. */
import { artifactRepositoryContract } from "../artifact.contract.ts";
import { sqliteStoreFixture } from "./test-fixture.ts";

artifactRepositoryContract("SQLite", () => sqliteStoreFixture("artifacts"));
