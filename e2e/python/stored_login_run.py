"""Logs a short run with neither WANDB_API_KEY nor WANDB_BASE_URL set: only what `wandb login` stored.

Usage: stored_login_run.py --project P [--steps 5]
Prints one JSON line: run id, entity, project, steps and the base URL and key source the client used.
"""

import argparse
import os

import wandb

import ballast_e2e as e2e


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()

    leaked = sorted(name for name in ("WANDB_API_KEY", "WANDB_BASE_URL") if name in os.environ)
    if leaked:
        raise SystemExit(f"this script must run without {', '.join(leaked)}")

    run = wandb.init(project=args.project, config=e2e.CONFIG)
    for step in range(args.steps):
        run.log(e2e.history_row(step))
    result = {
        "run_id": run.id,
        "entity": run.entity,
        "project": run.project,
        "steps": args.steps,
        "base_url": run.settings.base_url,
    }
    run.finish()
    e2e.emit(result)


if __name__ == "__main__":
    main()
