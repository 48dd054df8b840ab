/**
 * Loads the read benchmark's data into a running server through the logging protocol the W&B
 * client speaks (docs/wandb-protocol.md): `UpsertBucket` over POST /graphql creates each run with
 * its config, then POST /files/{entity}/{project}/{run}/file_stream carries `wandb-history.jsonl`
 * lines at increasing offsets (one request in flight per run) and the whole `wandb-summary.json`,
 * the last request `complete` with `exitcode` 0.
 */
import type { BenchClient } from "./http.ts";

const UPSERT_BUCKET = `mutation UpsertBucket($name: String, $project: String, $entity: String, $config: JSONString) {
  upsertBucket(input: {name: $name, modelName: $project, entityName: $entity, config: $config}) {
    bucket { id name }
    inserted
  }
}`;

/** The benchmark metric's value at a step: smooth with deterministic noise, and every 100,003rd a spike. */
export function lossAt(step: number): number {
  const noise = ((step * 2654435761) % 4294967296) / 4294967296;
  const spike = step % 100_003 === 7 ? 50 : 0;
  return 10 / Math.sqrt(1 + step / 1000) + noise * 0.1 + spike;
}

export async function createRun(
  client: BenchClient,
  entity: string,
  project: string,
  name: string,
  config: Record<string, unknown> = {},
): Promise<void> {
  await client.graphql(UPSERT_BUCKET, { name, project, entity, config: JSON.stringify(config) });
}

/**
 * Metric `index` of a history line at `step`: `loss` itself for the first, the same curve shifted
 * and scaled for the others (so every metric of a many-metric run draws a different line).
 */
export function metricAt(index: number, step: number): number {
  return index === 0 ? lossAt(step) : lossAt(step + index * 7919) * (1 + index / 10);
}

/** Writes history lines `{"_step": s, "<metrics[0]>": v0, …}` (keys quoted once: the 10M-step run is hot). */
function historyLines(metrics: readonly string[]): (step: number) => string {
  const keys = metrics.map((m) => `,${JSON.stringify(m)}:`);
  return (step) => {
    let line = `{"_step":${step}`;
    for (let i = 0; i < keys.length; i++) line += `${keys[i]}${metricAt(i, step)}`;
    return `${line}}`;
  };
}

/**
 * A run logging `metrics` (by default one, `loss`) at steps 0..steps−1 (`{"_step": s, "loss": v}`
 * lines), `linesPerRequest` per file_stream request. Returns the seconds it took.
 */
export async function loadHistoryRun(
  client: BenchClient,
  target: { entity: string; project: string; run: string },
  steps: number,
  linesPerRequest: number,
  metrics: readonly string[] = ["loss"],
): Promise<number> {
  const started = performance.now();
  const historyLine = historyLines(metrics);
  await createRun(client, target.entity, target.project, target.run);
  for (let offset = 0; offset < steps; offset += linesPerRequest) {
    const end = Math.min(steps, offset + linesPerRequest);
    const content: string[] = new Array(end - offset);
    for (let step = offset; step < end; step++) content[step - offset] = historyLine(step);
    const last = end === steps;
    await client.fileStream(target.entity, target.project, target.run, {
      files: {
        "wandb-history.jsonl": { offset, content },
        ...(last
          ? {
              "wandb-summary.json": {
                offset: 0,
                content: [historyLine(steps - 1)],
              },
            }
          : {}),
      },
      ...(last ? { complete: true, exitcode: 0 } : {}),
    });
  }
  return (performance.now() - started) / 1000;
}

/** Config key i of run r: numbers, strings and booleans, as hyperparameters are. */
function configValue(r: number, i: number): unknown {
  switch (i % 4) {
    case 0:
      return ((r * 7 + i * 13) % 1000) / 1000;
    case 1:
      return (r + i) % 64;
    case 2:
      return `opt-${(r + i) % 5}`;
    default:
      return (r + i) % 2 === 0;
  }
}

function summaryValue(r: number, i: number): number {
  return (((r * 2654435761 + i * 40503) % 4294967296) / 4294967296) * 100;
}

/**
 * `runs` runs with `configKeys` config keys (`c000`…, `{"value": …, "desc": null}` as the client
 * sends them) and `summaryKeys` summary keys (`s000`…), `concurrency` runs created at a time.
 * Returns the seconds it took.
 */
export async function loadRunsProject(
  client: BenchClient,
  target: { entity: string; project: string },
  sizes: { runs: number; configKeys: number; summaryKeys: number; concurrency: number },
): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (let r = next++; r < sizes.runs; r = next++) {
      const name = `run-${String(r).padStart(6, "0")}`;
      const config: Record<string, unknown> = {};
      for (let i = 0; i < sizes.configKeys; i++) {
        config[`c${String(i).padStart(3, "0")}`] = { value: configValue(r, i), desc: null };
      }
      await createRun(client, target.entity, target.project, name, config);
      const summary: Record<string, unknown> = { _step: 99, _runtime: 60 + (r % 600) };
      for (let i = 0; i < sizes.summaryKeys; i++)
        summary[`s${String(i).padStart(3, "0")}`] = summaryValue(r, i);
      await client.fileStream(target.entity, target.project, name, {
        files: { "wandb-summary.json": { offset: 0, content: [JSON.stringify(summary)] } },
        complete: true,
        exitcode: 0,
      });
    }
  };
  await Promise.all(Array.from({ length: sizes.concurrency }, worker));
  return (performance.now() - started) / 1000;
}
