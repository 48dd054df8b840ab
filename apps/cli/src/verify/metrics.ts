import { parseLenientJson } from "@ballast/core";
import { CheckFailure } from "./http.ts";
import { fail, type Outcome, PASS } from "./report.ts";
import { at, type Session, VERIFY_PROJECT } from "./session.ts";

const HISTORY = `query RunHistory($project: String!, $entity: String!, $name: String!) {
  project(name: $project, entityName: $entity) { run(name: $name) { state summaryMetrics history(samples: 100) } } }`;

/** The run's state, summary and history rows, as `run.history()` reads them. */
async function readBack(session: Session, run: string) {
  const variables = { project: VERIFY_PROJECT, entity: session.entity, name: run };
  const parse = (row: unknown) => (typeof row === "string" ? parseLenientJson(row) : row);
  const data = await session.graphqlData("Run history", HISTORY, variables);
  const history = at(data, "project", "run", "history");
  const rows = (Array.isArray(history) ? history : []).map(parse);
  return { run: at(data, "project", "run"), rows };
}

/**
 * Metrics the way wandb-core streams them (history rows at offsets, the whole summary at offset 0,
 * then `complete`), read back through the read side as `wandb.Api().run(...).history()` does.
 */
export async function checkMetrics(session: Session): Promise<Outcome> {
  const run = session.runName("metrics");
  await session.createRun(run, { epochs: 4, stringTest: "A test config" });
  const start = Date.now() / 1000;
  const rows = Array.from({ length: 10 }, (_, i) => ({
    loss: 1 / (i + 1),
    _step: i + 1,
    _runtime: i * 0.1,
    _timestamp: start + i * 0.1,
  }));
  const last = { dict: { val1: 1.0, val2: 2 }, _step: 11, _runtime: 1.1, _timestamp: start + 1.1 };
  const summary = { loss: 0.1, dict: last.dict, _step: 11, _runtime: 1.1 };
  try {
    await session.fileStream(run, {
      files: {
        "wandb-history.jsonl": { offset: 0, content: rows.map((row) => JSON.stringify(row)) },
        "wandb-summary.json": { offset: 0, content: [JSON.stringify(summary)] },
      },
    });
    await session.fileStream(run, {
      files: { "wandb-history.jsonl": { offset: rows.length, content: [JSON.stringify(last)] } },
    });
    await session.fileStream(run, { complete: true, exitcode: 0 });
    const read = await readBack(session, run);
    const problems: string[] = [];
    const state = at(read.run, "state");
    if (state !== "finished") problems.push(`state is ${JSON.stringify(state)}, not "finished"`);
    if (read.rows.length !== rows.length + 1)
      problems.push(`history has ${read.rows.length} rows, not ${rows.length + 1}`);
    const tenth = read.rows.find((row) => at(row, "_step") === 10);
    if (at(tenth, "loss") !== 0.1)
      problems.push(`loss at step 10 reads ${JSON.stringify(at(tenth, "loss"))}, not 0.1`);
    const eleventh = read.rows.find((row) => at(row, "_step") === 11);
    if (at(eleventh, "dict", "val2") !== 2) problems.push("the nested dict at step 11 did not come back");
    const summaryText = at(read.run, "summaryMetrics");
    const readSummary = typeof summaryText === "string" ? parseLenientJson(summaryText) : undefined;
    if (at(readSummary, "loss") !== 0.1) problems.push("the summary's loss does not read 0.1");
    if (problems.length > 0) {
      return fail(
        `Logged metrics did not read back: ${problems.join("; ")}.`,
        "Check the server log; with MYSQL, check the database's character set (utf8mb4) and that migrations ran.",
      );
    }
    return PASS;
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    return fail(error.message, "Check the server log for the failing request.");
  }
}
