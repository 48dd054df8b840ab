"""Logs STEPS history rows of METRICS float metrics with the real wandb client, timed from
wandb.init() to run.finish() returning (all data acknowledged by the server).

Usage: wandb_ingest.py --project P --steps N --metrics M
Expects WANDB_BASE_URL and WANDB_API_KEY in the environment. Prints one JSON line:
{"run_id", "seconds", "log_seconds", "finish_seconds"}.
"""

import argparse
import json
import math
import time

import wandb


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--metrics", type=int, required=True)
    args = parser.parse_args()

    names = [f"metric_{k}" for k in range(args.metrics)]
    started = time.perf_counter()
    run = wandb.init(project=args.project, config={"lr": 0.001, "batch_size": 64})
    for step in range(args.steps):
        x = step + 1
        run.log({name: (k + 1) / math.sqrt(x) + 0.01 * math.sin(x * 0.37 + k * 1.7) for k, name in enumerate(names)})
    logged = time.perf_counter()
    run.finish()
    finished = time.perf_counter()
    print(
        json.dumps(
            {
                "run_id": run.id,
                "seconds": finished - started,
                "log_seconds": logged - started,
                "finish_seconds": finished - logged,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
