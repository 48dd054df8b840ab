/** Run states as W&B names them (wandb/apis/public/runs.py reads `state`). */
export const RUN_STATES = [
  "running",
  "finished",
  "failed",
  "crashed",
  "killed",
  "preempting",
  "preempted",
] as const;
export type RunState = (typeof RUN_STATES)[number];
