"""Logs a small run for the /metrics test: `--steps` history rows of two metrics, then finishes.

Usage: metrics_run.py --project P [--steps 50]
Prints one JSON line: run id, entity, project, steps.
"""

import argparse

import wandb

import ballast_e2e as e2e


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args()

    run = wandb.init(project=args.project, config={"lr": 0.01})
    for step in range(args.steps):
        run.log({"loss": 1.0 / (step + 1), "acc": step / args.steps, "note": f"step {step}"})
    result = {"run_id": run.id, "entity": run.entity, "project": run.project, "steps": args.steps}
    run.finish()
    e2e.emit(result)


if __name__ == "__main__":
    main()
