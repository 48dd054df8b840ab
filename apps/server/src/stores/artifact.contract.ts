/**
 * The ArtifactRepository contract, run on every engine: SQLite from
 * sqlite/artifact.repository.test.ts, MySQL (MariaDB) from e2e/mysql-artifacts.e2e.test.ts. The
 * artifact service's tests (domain/artifacts/) cover the protocol built on it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "@ballast/core";
import type { ArtifactEntryRecord } from "./records.ts";
import type { NewArtifact } from "./repositories.ts";
import type { FixtureFactory } from "./store-fixture.ts";

type Entry = Omit<ArtifactEntryRecord, "artifactId">;

const entry = (path: string, size: number): Entry => ({
  path,
  digest: `d-${path}`,
  size,
  ref: null,
  birthArtifactId: null,
  storageKey: `k/${path}`,
  extra: null,
});

export function artifactRepositoryContract(label: string, make: FixtureFactory<"artifacts">): void {
  describe(`ArtifactRepository contract: ${label}`, () => {
    const newArtifact = (projectId: number, over: Partial<NewArtifact> = {}): NewArtifact => ({
      projectId,
      typeName: "dataset",
      collectionName: "mnist",
      digest: "digest-1",
      description: null,
      metadata: '{"rows": 10}',
      historyStep: null,
      clientId: null,
      sequenceClientId: null,
      runId: null,
      aliases: [],
      tags: [],
      ttlSeconds: -1,
      deduplicate: true,
      now: 1,
      ...over,
    });

    it("creates pending versions, commits them in order, and moves latest and aliases", async () => {
      const fx = await make();
      try {
        const { artifacts } = fx;
        const { projectId, runId } = await fx.seedRun();
        const first = await artifacts.createArtifact(
          newArtifact(projectId, { runId, aliases: ["best"], tags: ["raw", "🚀"], clientId: "c-1" }),
        );
        assert.equal(first.deduplicated, false);
        assert.equal(first.artifact.state, "PENDING");
        assert.equal(first.artifact.versionIndex, null);
        assert.equal(first.artifact.typeName, "dataset");
        assert.deepEqual(await artifacts.tagsOf(first.artifact.id), ["raw", "🚀"].sort());
        // A retried call with the same client id returns what the first made.
        const again = await artifacts.createArtifact(
          newArtifact(projectId, { clientId: "c-1", digest: "other" }),
        );
        assert.equal(again.artifact.id, first.artifact.id);
        assert.equal((await artifacts.findByClientId("c-1"))?.id, first.artifact.id);

        const committed = await artifacts.commit({
          artifactId: first.artifact.id,
          entries: [entry("a.txt", 3), entry("b/c.bin", 5)],
          now: 2,
        });
        assert.equal(committed.state, "COMMITTED");
        assert.equal(committed.versionIndex, 0);
        assert.equal(committed.size, 8);
        assert.equal(committed.fileCount, 2);
        assert.deepEqual(
          await artifacts.commit({ artifactId: first.artifact.id, entries: [], now: 3 }),
          committed,
        );
        const collection = await artifacts.findCollection(projectId, "mnist");
        assert.ok(collection);
        assert.equal((await artifacts.latestVersion(collection.id))?.id, first.artifact.id);
        assert.equal((await artifacts.findByAlias(collection.id, "best"))?.id, first.artifact.id);
        assert.deepEqual(
          (await artifacts.aliasesOf(first.artifact.id)).map((a) => a.alias),
          ["best", "latest"],
        );

        // The same digest again: deduplicated to the committed version, which gets the new alias.
        const dup = await artifacts.createArtifact(newArtifact(projectId, { aliases: ["prod"] }));
        assert.equal(dup.deduplicated, true);
        assert.equal(dup.artifact.id, first.artifact.id);
        assert.equal((await artifacts.findByAlias(collection.id, "prod"))?.id, first.artifact.id);

        const second = await artifacts.createArtifact(
          newArtifact(projectId, { digest: "digest-2", aliases: ["best"] }),
        );
        await artifacts.commit({ artifactId: second.artifact.id, entries: [entry("a.txt", 4)], now: 4 });
        assert.equal((await artifacts.findVersion(collection.id, 1))?.id, second.artifact.id);
        assert.equal(
          (await artifacts.findByAlias(collection.id, "best"))?.id,
          second.artifact.id,
          "best moved",
        );
        assert.equal((await artifacts.findByDigest(collection.id, "digest-1"))?.id, first.artifact.id);
        const pending = await artifacts.createArtifact(newArtifact(projectId, { digest: "digest-3" }));
        assert.deepEqual(
          (await artifacts.versions(collection.id, ["COMMITTED", "PENDING"], 0, 10, true)).map((a) => a.id),
          [second.artifact.id, first.artifact.id, pending.artifact.id],
        );
        assert.deepEqual(
          (await artifacts.versions(collection.id, ["COMMITTED"], 1, 10, false)).map((a) => a.id),
          [second.artifact.id],
        );
        assert.equal(await artifacts.countVersions(collection.id, ["COMMITTED"]), 2);
        assert.deepEqual(
          (await artifacts.collectionAliases(collection.id, "", 10)).map((a) => [a.alias, a.versionIndex]),
          [
            ["best", 1],
            ["latest", 1],
            ["prod", 0],
          ],
        );
        await assert.rejects(
          artifacts.createArtifact(newArtifact(projectId, { typeName: "model", digest: "x" })),
          (error: unknown) => error instanceof AppError && error.code === "ARTIFACT_TYPE_MISMATCH",
        );
        assert.deepEqual(
          (await artifacts.runArtifacts(runId, "output", 0, 10)).map((a) => a.id),
          [first.artifact.id],
        );
        assert.equal(await artifacts.countRunArtifacts(runId, "output"), 1);
      } finally {
        await fx.close();
      }
    });

    it("keeps entries, manifests, objects, multipart uploads and usages", async () => {
      const fx = await make();
      try {
        const { artifacts } = fx;
        const { projectId, runId, entityId } = await fx.seedRun();
        const { artifact } = await artifacts.createArtifact(newArtifact(projectId));
        const manifest = await artifacts.upsertManifest({
          artifactId: artifact.id,
          name: "wandb_manifest.json",
          type: "FULL",
          digest: "m1",
          baseArtifactId: null,
          storageKey: "artifacts/1/manifests/m1",
        });
        const upserted = await artifacts.upsertManifest({
          artifactId: artifact.id,
          name: "wandb_manifest.json",
          type: "FULL",
          digest: "m2",
          baseArtifactId: null,
          storageKey: "artifacts/1/manifests/m1",
        });
        assert.equal(upserted.id, manifest.id);
        assert.equal(upserted.digest, "m2");
        assert.equal(await artifacts.currentManifest(artifact.id), undefined, "not uploaded yet");
        await artifacts.markManifestUploaded("artifacts/1/manifests/m1", 9);
        assert.equal((await artifacts.currentManifest(artifact.id))?.uploadedAt, 9);
        await artifacts.updateManifest(manifest.id, null, 77);
        assert.deepEqual(
          [
            (await artifacts.findManifest(manifest.id))?.digest,
            (await artifacts.findManifest(manifest.id))?.baseArtifactId,
          ],
          ["m2", 77],
        );

        const object = await artifacts.claimObject({
          entityId,
          md5: "md5-a",
          birthArtifactId: artifact.id,
          storageKey: "artifacts/objects/md5-a",
        });
        assert.equal(object.storedAt, null);
        const claimedAgain = await artifacts.claimObject({
          entityId,
          md5: "md5-a",
          birthArtifactId: 999,
          storageKey: "elsewhere",
        });
        assert.equal(claimedAgain.storageKey, "artifacts/objects/md5-a", "the existing object wins");
        await artifacts.markObjectStored(entityId, "md5-a", 42, 5);
        assert.deepEqual(
          [
            (await artifacts.findObject(entityId, "md5-a"))?.size,
            (await artifacts.findObject(entityId, "md5-a"))?.storedAt,
          ],
          [42, 5],
        );

        const uploadId = `up-${"x".repeat(200)}`;
        await artifacts.createMultipartUpload({
          uploadId,
          storageKey: "k",
          entityId,
          md5: "md5-b",
          partCount: 3,
          createdAt: 1,
        });
        assert.equal((await artifacts.findMultipartUpload(uploadId))?.completedAt, null);
        await artifacts.completeMultipartUpload(uploadId, 8);
        assert.equal((await artifacts.findMultipartUpload(uploadId))?.completedAt, 8);

        const entries = Array.from({ length: 30 }, (_, i) =>
          entry(`dir/f-${String(i).padStart(2, "0")}.txt`, i),
        );
        await artifacts.commit({ artifactId: artifact.id, entries, now: 3 });
        const page = await artifacts.entries(artifact.id, "dir/f-09.txt", 5);
        assert.deepEqual(
          page.map((e) => e.path),
          ["dir/f-10.txt", "dir/f-11.txt", "dir/f-12.txt", "dir/f-13.txt", "dir/f-14.txt"],
        );
        assert.deepEqual(
          (await artifacts.entriesByName(artifact.id, ["dir/f-03.txt", "nope", "dir/f-01.txt"])).map(
            (e) => e.size,
          ),
          [1, 3],
        );

        await artifacts.recordUsage(runId, artifact.id, "input-ds", 4);
        await artifacts.recordUsage(runId, artifact.id, null, 5);
        assert.deepEqual(await artifacts.usedBy(artifact.id, 0, 10), [runId]);
        assert.equal(await artifacts.countUsedBy(artifact.id), 1);
        assert.deepEqual(
          (await artifacts.runArtifacts(runId, "input", 0, 10)).map((a) => a.id),
          [artifact.id],
        );
        const types = await artifacts.artifactTypes(projectId, 0, 10);
        assert.deepEqual(
          types.map((t) => t.name),
          ["dataset"],
        );
        assert.equal((await artifacts.findArtifactType(projectId, "dataset"))?.id, types[0]?.id);
        assert.equal(await artifacts.countCollections(projectId, null), 1);
        assert.equal(
          (await artifacts.collections(projectId, types[0]?.id ?? 0, Number.MAX_SAFE_INTEGER, 10)).length,
          1,
        );
      } finally {
        await fx.close();
      }
    });

    it("gives concurrent commits of one collection distinct, consecutive indexes; one artifact per client id", async () => {
      const fx = await make();
      try {
        const { artifacts } = fx;
        const { projectId } = await fx.seedRun();
        const made = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            artifacts.createArtifact(newArtifact(projectId, { collectionName: "race", digest: `d${i}` })),
          ),
        );
        const committed = await Promise.all(
          made.map(({ artifact }) =>
            artifacts.commit({ artifactId: artifact.id, entries: [entry("x", 1)], now: 2 }),
          ),
        );
        assert.deepEqual(
          committed.map((a) => a.versionIndex).sort((a, b) => (a ?? 0) - (b ?? 0)),
          [0, 1, 2, 3, 4, 5],
        );
        const retried = await Promise.all(
          Array.from({ length: 4 }, () =>
            artifacts.createArtifact(
              newArtifact(projectId, { collectionName: "race2", digest: "z", clientId: "same" }),
            ),
          ),
        );
        assert.equal(new Set(retried.map((r) => r.artifact.id)).size, 1);
      } finally {
        await fx.close();
      }
    });
  });
}
