// Logs a run with the real @wandb/sdk from npm. Env: WANDB_BASE_URL, WANDB_API_KEY, BALLAST_PROJECT,
// BALLAST_STEPS. Prints one JSON line with the run id and what was logged.
import wandb from "@wandb/sdk";

const steps = Number(process.env.BALLAST_STEPS ?? "100");
const run = await wandb.init({
  project: process.env.BALLAST_PROJECT ?? "js-sdk",
  name: "js-sdk-run",
  config: { lr: 0.01, layers: [64, 32], optimizer: { name: "adam", beta: 0.9 } },
});
for (let i = 0; i < steps; i++) {
  wandb.log({ loss: 1 / (i + 1), acc: i / steps, nested: { value: i * 2 } });
}
await wandb.finish();
console.log(JSON.stringify({ runId: run?.id ?? wandb.run?.id, steps }));
