"""Runs with known metric values for the web UI's chart panels.

Usage: chart_runs.py --project P [--steps 300]
       chart_runs.py --project P --live STOP_FILE
The first form logs two finished runs: "loss" = 1/(step+1) and "acc" = step/steps for `steps`
steps (the second run logs loss*2 and no acc), with system metrics sampled every second. With
--live one run logs "live_metric" = step every 0.2 s until STOP_FILE exists (printing
`STARTED <run id>` once the run exists, and `STEP n` after each logged step), then finishes.
Prints one JSON line at the end with the run ids.
"""

import argparse
import json
import os
import sys
import time

import wandb


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--live", default="")
    args = parser.parse_args()

    if args.live:
        run = wandb.init(project=args.project, name="live run")
        print(f"STARTED {run.id}", flush=True)
        step = 0
        while not os.path.exists(args.live) and step < 3000:
            run.log({"live_metric": step})
            print(f"STEP {step}", flush=True)
            step += 1
            time.sleep(0.2)
        run.finish()
        print(json.dumps({"run_id": run.id, "steps": step}))
        return

    ids = []
    for index, name in enumerate(["first", "second"]):
        run = wandb.init(
            project=args.project,
            name=f"{name} run",
            reinit="create_new",
            # System metrics every second, so a short run still records a few samples.
            settings=wandb.Settings(x_stats_sampling_interval=1.0),
        )
        for step in range(args.steps):
            row = {"loss": (index + 1) / (step + 1)}
            if index == 0:
                row["acc"] = step / args.steps
            run.log(row)
        time.sleep(2.5)
        run.finish()
        ids.append(run.id)
    print(json.dumps({"run_ids": ids, "entity": run.entity}), file=sys.stdout)


if __name__ == "__main__":
    main()
