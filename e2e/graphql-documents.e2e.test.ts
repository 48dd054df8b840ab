/**
 * Every GraphQL document the installed `wandb` client sends on the paths Ballast serves validates
 * against Ballast's schema. The documents are read from the client itself at test time: the
 * genqlient operations embedded in the wandb-core binary and the operation constants of the Python
 * package. A type, field, argument or nullability mismatch fails here before it fails a user.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { globSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parse, validate } from "graphql";
import { schema } from "../apps/server/src/wandb/schema.ts";
import { PYTHON_DIR, setupPython, VENV_PYTHON } from "./support/python.ts";

/** Operations wandb-core sends while logging runs, files and artifacts. */
const CORE_OPERATIONS = [
  "Viewer",
  "ServerFeaturesQuery",
  "RunResumeStatus",
  "UpsertBucket",
  "OrganizationCoreWeaveOrganizationID",
  "CreateRunFiles",
  "MarkRunFilesUploaded",
  "CreateArtifact",
  "CreateArtifactManifest",
  "UpdateArtifactManifest",
  "CreateArtifactFiles",
  "CompleteMultipartUploadArtifact",
  "CommitArtifact",
  "UseArtifact",
  "NotifyScriptableRunAlert",
  "ClientIDMapping",
  "XXHashDigestsEnabled",
  "FetchArtifactDigestAlgorithm",
  "SweepConfig",
  "UpsertSweepState",
  // scan_history and run-state polling (the run read side).
  "HistoryPage",
  "SampledHistoryPage",
  "RunParquetHistory",
  "RunState",
];

/** Operations the Python package sends (through wandb-core) around log_artifact / use_artifact. */
const PYTHON_OPERATIONS = [
  "ArtifactByID",
  "ArtifactMembershipByName",
  "ArtifactType",
  "FetchArtifactManifest",
  "GetArtifactMembershipFileUrls",
  "ArtifactMembershipFiles",
  "GetViewer",
  "GetDefaultEntity",
  "ServerFeaturesQuery",
  "ProjectArtifacts",
  "ProjectArtifactTypes",
  "ProjectArtifactType",
  "ArtifactTypeArtifactCollections",
  "ProjectArtifactCollections",
  "ProjectArtifactCollection",
  "ArtifactCollectionAliases",
  "RunOutputArtifacts",
  "RunInputArtifacts",
  "ArtifactUsedBy",
  "ArtifactCreatedBy",
  "GetSweep",
  "GetSweepLegacy",
  "GetSweeps",
  "GetSweepAgent",
  "GetSweepAgents",
  "GetProjects",
  "GetProject",
  // Teams (wandb/apis/public/teams.py) and artifact.delete().
  "CreateTeam",
  "GetTeamEntity",
  "CreateInvite",
  "DeleteInvite",
  "CreateServiceAccount",
  "DeleteArtifact",
];

/**
 * Sweep documents that wandb/apis/public/sweeps.py assembles inside its functions (UpsertSweep in
 * six shapes: five for creation, newest first, and the state change), captured by
 * e2e/python/sweep_documents.py.
 */
const SWEEP_OPERATIONS = ["UpsertSweep", "CreateAgent", "Heartbeat", "SweepWithRuns", "GetSweepState"];

/** Complete documents (operation plus the fragments that follow it) found in the wandb-core binary. */
export function documentsInBinary(binary: string): Map<string, string> {
  const found = new Map<string, string>();
  const start = /\n(query|mutation) (\w+) ?[({]/g;
  for (const match of binary.matchAll(start)) {
    const name = match[2] ?? "";
    let end = blockEnd(binary, match.index + 1);
    if (end < 0) continue;
    for (;;) {
      const next = /^\nfragment \w+ on \w+ \{/.exec(binary.slice(end, end + 200));
      if (!next) break;
      const fragmentEnd = blockEnd(binary, end + 1);
      if (fragmentEnd < 0) break;
      end = fragmentEnd;
    }
    if (!found.has(name)) found.set(name, binary.slice(match.index, end));
  }
  return found;
}

/** Index just past the `}` that closes the first `{` at or after `from`, or -1. */
function blockEnd(text: string, from: number): number {
  let depth = 0;
  for (let i = text.indexOf("{", from); i >= 0 && i < text.length; i++) {
    const c = text[i];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
    else if (c === "\u0000") return -1;
  }
  return -1;
}

function pythonDocuments(packageDir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of globSync("**/_generated/operations.py", { cwd: packageDir })) {
    const source = readFileSync(join(packageDir, file), "utf8");
    for (const match of source.matchAll(/"""\s*((?:query|mutation) (\w+)[\s\S]*?)"""/g)) {
      found.set(match[2] ?? "", match[1] ?? "");
    }
  }
  return found;
}

function errorsOf(document: string): string[] {
  return validate(schema, parse(document)).map((e) => e.message);
}

describe("the installed wandb client's GraphQL documents validate against Ballast's schema", () => {
  let core = new Map<string, string>();
  let python = new Map<string, string>();
  let sweeps: Record<string, string[]> = {};

  before(async () => {
    await setupPython();
    const packageDir = execFileSync(
      VENV_PYTHON,
      ["-c", "import os, wandb; print(os.path.dirname(wandb.__file__))"],
      {
        encoding: "utf8",
      },
    ).trim();
    core = documentsInBinary(readFileSync(join(packageDir, "bin", "wandb-core"), "latin1"));
    python = pythonDocuments(packageDir);
    sweeps = JSON.parse(
      execFileSync(VENV_PYTHON, [join(PYTHON_DIR, "sweep_documents.py")], { encoding: "utf8" }),
    ) as Record<string, string[]>;
  });

  for (const name of CORE_OPERATIONS) {
    it(`wandb-core ${name}`, () => {
      const document = core.get(name);
      assert.ok(document, `${name} not found in wandb-core (found ${core.size} documents)`);
      assert.deepEqual(errorsOf(document), []);
    });
  }

  for (const name of PYTHON_OPERATIONS) {
    it(`python ${name}`, () => {
      const document = python.get(name);
      assert.ok(document, `${name} not found in the Python package (found ${python.size} documents)`);
      assert.deepEqual(errorsOf(document), []);
    });
  }

  for (const name of SWEEP_OPERATIONS) {
    it(`python sweeps ${name}`, () => {
      const documents = sweeps[name] ?? [];
      assert.ok(documents.length > 0, `${name} not captured (got ${Object.keys(sweeps).join(", ")})`);
      for (const document of documents) assert.deepEqual(errorsOf(document), [], document);
    });
  }
});
