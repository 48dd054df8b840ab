/**
 * The permission matrix, the acceptance test for team roles (domain/access/policy.ts): every
 * operation below, tried by every principal on its own team's data (vision) and on another team's
 * (audio), must be allowed or refused exactly as the table says. Zero unexpected allows and zero
 * unexpected denials; a refusal is a clear PERMISSION_DENIED / ENTITY_NOT_FOUND / PROJECT_NOT_FOUND,
 * never a server fault, and a refused write leaves nothing behind (support/permission-operations.ts).
 *
 * What is real: the server (in-process, port 0) with SQLite and local-disk objects; teams, members
 * and service accounts made through the JSON routes (support/permission-world.ts); the `wandb`
 * Python client (.cache/venv, scripts/setup-python.sh) for the last two rows. Nothing is stubbed.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { at } from "./support/api.ts";
import { type Attempt, runAsRoot, type Verdict } from "./support/permission-judge.ts";
import { DATA_OPERATIONS } from "./support/permission-operations.ts";
import { TEAM_OPERATIONS } from "./support/permission-team-operations.ts";
import {
  type PermissionWorld,
  PRINCIPALS,
  PROJECT,
  type Principal,
  startPermissionWorld,
  TARGETS,
  type Target,
} from "./support/permission-world.ts";
import { killScripts, runScript, setupPython } from "./support/python.ts";

/**
 * Y allowed, - refused. Columns: the instance admin root (member of neither team), alice (vision
 * admin), bob (member), carol (viewer), the service accounts vision-ci (member) and vision-ro
 * (viewer), dave (audio's admin, not in vision). Read: every role and root; write: admin, member and
 * member service accounts (never root); manage: team admin and root (never a service account).
 */
const MATRIX = `
operation                      target  root alice bob carol ci ro dave
gql:project.runs               vision  Y    Y     Y   Y     Y  Y  -
gql:project.runs               audio   Y    -     -   -     -  -  Y
gql:run.history                vision  Y    Y     Y   Y     Y  Y  -
gql:run.history                audio   Y    -     -   -     -  -  Y
gql:entity                     vision  Y    Y     Y   Y     Y  Y  -
gql:entity                     audio   Y    -     -   -     -  -  Y
gql:artifact(id)               vision  Y    Y     Y   Y     Y  Y  -
gql:artifact(id)               audio   Y    -     -   -     -  -  Y
gql:file.directUrl+GET         vision  Y    Y     Y   Y     Y  Y  -
gql:file.directUrl+GET         audio   Y    -     -   -     -  -  Y
gql:file.url(upload)           vision  -    Y     Y   -     Y  -  -
gql:file.url(upload)           audio   -    -     -   -     -  -  Y
gql:upsertBucket(new)          vision  -    Y     Y   -     Y  -  -
gql:upsertBucket(new)          audio   -    -     -   -     -  -  Y
gql:upsertBucket(update)       vision  -    Y     Y   -     Y  -  -
gql:upsertBucket(update)       audio   -    -     -   -     -  -  Y
gql:deleteRun                  vision  -    Y     Y   -     Y  -  -
gql:deleteRun                  audio   -    -     -   -     -  -  Y
file_stream                    vision  -    Y     Y   -     Y  -  -
file_stream                    audio   -    -     -   -     -  -  Y
gql:createRunFiles+PUT         vision  -    Y     Y   -     Y  -  -
gql:createRunFiles+PUT         audio   -    -     -   -     -  -  Y
gql:createArtifact             vision  -    Y     Y   -     Y  -  -
gql:createArtifact             audio   -    -     -   -     -  -  Y
gql:useArtifact                vision  -    Y     Y   -     Y  -  -
gql:useArtifact                audio   -    -     -   -     -  -  Y
gql:createArtifactFiles+PUT    vision  -    Y     Y   -     Y  -  -
gql:createArtifactFiles+PUT    audio   -    -     -   -     -  -  Y
api:GET project runs           vision  Y    Y     Y   Y     Y  Y  -
api:GET project runs           audio   Y    -     -   -     -  -  Y
api:GET run                    vision  Y    Y     Y   Y     Y  Y  -
api:GET run                    audio   Y    -     -   -     -  -  Y
api:GET file url+GET           vision  Y    Y     Y   Y     Y  Y  -
api:GET file url+GET           audio   Y    -     -   -     -  -  Y
api:GET metric-keys            vision  Y    Y     Y   Y     Y  Y  -
api:GET metric-keys            audio   Y    -     -   -     -  -  Y
api:GET artifacts              vision  Y    Y     Y   Y     Y  Y  -
api:GET artifacts              audio   Y    -     -   -     -  -  Y
api:PATCH run                  vision  -    Y     Y   -     Y  -  -
api:PATCH run                  audio   -    -     -   -     -  -  Y
api:GET team                   vision  Y    Y     Y   Y     Y  Y  -
api:GET team                   audio   Y    -     -   -     -  -  Y
team:add member                vision  Y    Y     -   -     -  -  -
team:add member                audio   Y    -     -   -     -  -  Y
team:change role               vision  Y    Y     -   -     -  -  -
team:change role               audio   Y    -     -   -     -  -  Y
team:create service account    vision  Y    Y     -   -     -  -  -
team:create service account    audio   Y    -     -   -     -  -  Y
team:create sa key             vision  Y    Y     -   -     -  -  -
team:create sa key             audio   Y    -     -   -     -  -  Y
team:remove member             vision  Y    Y     -   -     -  -  -
team:remove member             audio   Y    -     -   -     -  -  Y
team:list sa keys              vision  Y    Y     -   -     -  -  -
team:list sa keys              audio   Y    -     -   -     -  -  Y
team:delete service account    vision  Y    Y     -   -     -  -  -
team:delete service account    audio   Y    -     -   -     -  -  Y
team:delete                    vision  Y    Y     -   -     -  -  -
team:delete                    audio   Y    -     -   -     -  -  Y
wandb:init+log+finish          vision  -    Y     Y   -     Y  -  -
wandb:Api().runs               vision  Y    Y     Y   Y     Y  Y  -
`;

const COLUMNS: Record<string, Principal> = {
  root: "root",
  alice: "alice",
  bob: "bob",
  carol: "carol",
  ci: "vision-ci",
  ro: "vision-ro",
  dave: "dave",
};

const OPERATIONS = [...DATA_OPERATIONS, ...TEAM_OPERATIONS];

interface Row {
  readonly operation: string;
  readonly target: Target;
  readonly expected: Record<Principal, Verdict>;
}

function parseMatrix(text: string): Row[] {
  const [header, ...lines] = text.trim().split("\n");
  const columns = (header ?? "")
    .trim()
    .split(/\s{2,}|\s(?=\S+$)|\s+/)
    .slice(2);
  const principals = columns.map((c) => COLUMNS[c]);
  assert.deepEqual([...principals].sort(), [...PRINCIPALS].sort(), `matrix columns: ${header}`);
  return lines.map((line) => {
    const match = /^(\S.*?\S)\s{2,}(\S+)\s+(.*)$/.exec(line);
    assert.ok(match, `matrix line: ${line}`);
    const cells = (match[3] ?? "").trim().split(/\s+/);
    assert.equal(cells.length, principals.length, `matrix line: ${line}`);
    const target = match[2] as Target;
    assert.ok(TARGETS.includes(target), `matrix target: ${line}`);
    const expected = {} as Record<Principal, Verdict>;
    principals.forEach((p, i) => {
      assert.ok(p && (cells[i] === "Y" || cells[i] === "-"), `matrix cell ${i}: ${line}`);
      expected[p] = cells[i] === "Y" ? "allow" : "deny";
    });
    return { operation: match[1] ?? "", target, expected };
  });
}

type Results = Map<string, Attempt>;
const cellKey = (operation: string, target: Target, p: Principal) => `${operation}|${target}|${p}`;

/** The matrix as observed: `Y`/`-`, with `!` on a cell that is not what the table says. */
function report(
  rows: Row[],
  results: Results,
): { text: string; allows: number; denials: number; problems: string[] } {
  let allows = 0;
  let denials = 0;
  const problems: string[] = [];
  const width = Math.max(...rows.map((r) => r.operation.length)) + 2;
  const lines = [
    `${"operation".padEnd(width)}target  ${Object.keys(COLUMNS)
      .map((c) => c.padEnd(6))
      .join("")}`,
  ];
  for (const row of rows) {
    let line = `${row.operation.padEnd(width)}${row.target.padEnd(8)}`;
    for (const p of Object.values(COLUMNS)) {
      const result = results.get(cellKey(row.operation, row.target, p));
      let cell = "?";
      if (result === undefined) problems.push(`${row.operation} ${row.target} ${p}: not tried`);
      else {
        cell = result.verdict === "allow" ? "Y" : "-";
        if (result.verdict !== row.expected[p]) {
          cell += "!";
          if (result.verdict === "allow") allows += 1;
          else denials += 1;
          problems.push(
            `${row.operation} ${row.target} ${p}: expected ${row.expected[p]}, got ${result.verdict} (${result.detail})`,
          );
        }
        for (const problem of result.problems)
          problems.push(`${row.operation} ${row.target} ${p}: ${problem}`);
      }
      line += cell.padEnd(6);
    }
    lines.push(line);
  }
  return { text: lines.join("\n"), allows, denials, problems };
}

interface PythonResult {
  init: { ok: boolean; error?: string };
  api: { ok: boolean; runs?: string[]; error?: string };
}

/** Each principal's `wandb` script: a run in vision/py-proj, then `Api().runs("vision/proj")`. */
async function pythonAttempts(world: PermissionWorld, dir: string, results: Results): Promise<void> {
  await Promise.all(
    PRINCIPALS.map(async (p) => {
      const clientDir = join(dir, p);
      await mkdir(clientDir, { recursive: true });
      const { result, stderr } = await runScript<PythonResult>(
        "matrix_principal.py",
        ["--entity", "vision", "--project", "py-proj", "--run-id", `py-${p}`, "--read-project", PROJECT],
        { baseUrl: world.url, apiKey: world.keys[p], dir: clientDir },
      );
      // The run is judged by what the server holds: the whole history when allowed, no run otherwise.
      const run = await runAsRoot(world, "vision", `py-${p}`, "py-proj");
      const lines = Number(at(run, "historyLineCount") ?? 0);
      const init: Attempt = result.init.ok
        ? {
            verdict: "allow",
            detail: "ok",
            problems: lines === 3 ? [] : [`the run holds ${lines} history lines`],
          }
        : {
            verdict: run === null ? "deny" : "allow",
            detail: "refused",
            problems: [
              ...(run === null ? [] : ["refused, but the run exists"]),
              ...(/\b(5\d\d|Internal Server Error)\b/.test(result.init.error ?? "")
                ? [`server fault: ${result.init.error}`]
                : []),
            ],
          };
      if (!result.init.ok && !/may not|permission|denied|403|not found|404/i.test(result.init.error ?? "")) {
        init.problems.push(`unclear refusal: ${result.init.error}; stderr: ${stderr.slice(-500)}`);
      }
      results.set(cellKey("wandb:init+log+finish", "vision", p), init);
      const api: Attempt = result.api.ok
        ? {
            verdict: "allow",
            detail: "ok",
            problems: result.api.runs?.includes("seed") ? [] : [`runs: ${JSON.stringify(result.api.runs)}`],
          }
        : {
            verdict: "deny",
            detail: "refused",
            problems: /may not|permission|denied|403|not found|404|could not find/i.test(
              result.api.error ?? "",
            )
              ? []
              : [`unclear refusal: ${result.api.error}`],
          };
      results.set(cellKey("wandb:Api().runs", "vision", p), api);
    }),
  );
}

describe("permission matrix: teams, roles, service accounts", () => {
  let world: PermissionWorld;
  let pythonDir: string;
  const rows = parseMatrix(MATRIX);

  before(
    async () => {
      pythonDir = await mkdtemp(join(tmpdir(), "ballast-matrix-clients-"));
      await setupPython();
      world = await startPermissionWorld();
    },
    { timeout: 900_000 },
  );
  after(async () => {
    killScripts();
    await world?.close();
    if (pythonDir) await rm(pythonDir, { recursive: true, force: true });
  });

  it("the table names every operation for both teams, and nothing else", () => {
    const tried = new Set([...OPERATIONS.map((o) => o.name), "wandb:init+log+finish", "wandb:Api().runs"]);
    const listed = new Set(rows.map((r) => r.operation));
    assert.deepEqual([...listed].sort(), [...tried].sort());
    for (const op of OPERATIONS) {
      for (const t of TARGETS) {
        assert.equal(
          rows.filter((r) => r.operation === op.name && r.target === t).length,
          1,
          `${op.name} ${t}`,
        );
      }
    }
  });

  it("every cell is as the table says: 0 unexpected allows, 0 unexpected denials", {
    timeout: 900_000,
  }, async () => {
    const results: Results = new Map();
    // The wandb scripts take seconds each: they run while the HTTP cells are tried.
    const python = pythonAttempts(world, pythonDir, results);
    try {
      for (const op of OPERATIONS) {
        for (const t of TARGETS) {
          for (const p of PRINCIPALS) results.set(cellKey(op.name, t, p), await op.attempt(world, p, t));
        }
      }
    } finally {
      await python;
    }
    const { text, allows, denials, problems } = report(rows, results);
    const summary = `${allows} unexpected allows, ${denials} unexpected denials, ${problems.length} problems`;
    assert.ok(
      allows === 0 && denials === 0 && problems.length === 0,
      `${summary}\n\n${text}\n\n${problems.join("\n")}`,
    );
  });

  it("an empty team is deleted by its admin only", async () => {
    const { keys } = world;
    const made = await world.json(keys.root, "POST", "/api/v1/teams", { name: "scratch", admin: "alice" });
    assert.equal(made.status, 201, made.text);
    for (const [username, role] of [
      ["bob", "member"],
      ["carol", "viewer"],
    ]) {
      const added = await world.json(keys.alice, "POST", "/api/v1/teams/scratch/members", { username, role });
      assert.equal(added.status, 201, added.text);
    }
    for (const p of ["bob", "carol", "dave", "vision-ci"] as const) {
      const refused = await world.json(keys[p], "DELETE", "/api/v1/teams/scratch");
      assert.equal(refused.status, 403, `${p}: ${refused.text}`);
      assert.equal(at(refused.body, "error", "code"), "PERMISSION_DENIED", `${p}: ${refused.text}`);
    }
    const deleted = await world.json(keys.alice, "DELETE", "/api/v1/teams/scratch");
    assert.equal(deleted.status, 204, deleted.text);
    const gone = await world.send(keys.root, "/api/v1/teams/scratch");
    assert.equal(gone.status, 404, gone.text);
    assert.equal(at(gone.body, "error", "code"), "ENTITY_NOT_FOUND", gone.text);
  });
});
