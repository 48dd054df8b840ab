"""Logs steps slowly (~40 s) so the test can SIGKILL and restart the server in the middle.

Usage: kill_target.py --project P [--steps 200] [--interval 0.2]
Prints `STEP n` after handing each step to the client (wandb-core sends it asynchronously, so this
is "logged", not "stored"), then one JSON line at the end.
"""

import argparse
import time

import wandb

import ballast_e2e as e2e


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.2)
    args = parser.parse_args()

    run = wandb.init(project=args.project, config={"purpose": "kill"})
    started = time.monotonic()
    for step in range(args.steps):
        run.log(e2e.history_row(step))
        print(f"STEP {step}", flush=True)
        time.sleep(args.interval)
    logged_seconds = time.monotonic() - started
    finish_started = time.monotonic()
    result = {"run_id": run.id, "entity": run.entity, "project": run.project, "steps": args.steps}
    run.finish()
    result["logging_seconds"] = round(logged_seconds, 1)
    result["finish_seconds"] = round(time.monotonic() - finish_started, 1)
    e2e.emit(result)


if __name__ == "__main__":
    main()
