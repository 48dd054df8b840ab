"""Logs one step at a time until told to stop, then saves a file and finishes: the client side of
the outage test (e2e/production-outages.e2e.test.ts), which stops the server's backends meanwhile.

Usage: steady_run.py --project P --stop-file PATH [--interval 0.05]
Prints `step N` every 50 steps while running, then one JSON line: run id, entity, steps logged,
the saved file's hashes.
"""

import argparse
import os
import time

import wandb

import ballast_e2e as e2e


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--stop-file", required=True)
    parser.add_argument("--interval", type=float, default=0.05)
    args = parser.parse_args()

    run = wandb.init(project=args.project, config={"kind": "steady"})
    step = 0
    while not os.path.exists(args.stop_file):
        run.log({"x": step * 2, "y": 1.0 / (step + 1)}, step=step)
        step += 1
        if step % 50 == 0:
            print(f"step {step}", flush=True)
        time.sleep(args.interval)

    saved = os.path.join(run.dir, "after.txt")
    e2e.write_text(saved, f"saved after {step} steps\n")
    run.save(saved, base_path=run.dir, policy="now")
    run.finish()
    e2e.emit(
        {
            "run_id": run.id,
            "entity": run.entity,
            "project": run.project,
            "steps": step,
            "file": e2e.file_hashes(saved),
        }
    )


if __name__ == "__main__":
    main()
