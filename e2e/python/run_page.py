"""A run for the web UI's run page: config, summary, tags, notes, coloured console output, a file.

Usage: run_page.py --project P [--lines 600] [--xss PAYLOAD]
       run_page.py --project P --live STOP_FILE
The first form logs everything and finishes. With --live the run keeps printing a numbered line
(`live line N`) every 0.2 s until STOP_FILE exists, then finishes; it prints `STARTED <run id>` on
stdout once the run exists. Prints one JSON line at the end: run id, entity, project, saved file.
"""

import argparse
import os
import sys
import time

import wandb

import ballast_e2e as e2e


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--lines", type=int, default=600)
    parser.add_argument("--xss", default="")
    parser.add_argument("--live", default="")
    args = parser.parse_args()

    if args.live:
        live(args)
        return

    config = {**e2e.CONFIG, "payload": args.xss} if args.xss else e2e.CONFIG
    run = wandb.init(
        project=args.project,
        config=config,
        tags=["baseline", "gpu"],
        notes=args.xss or "first notes",
        # Console capture is what fills output.log; name it so a changed default cannot empty it.
        settings=wandb.Settings(console="wrap"),
    )
    for step in range(20):
        run.log({"loss": 1.0 / (step + 1), "acc": step / 20})
    run.summary["best_acc"] = 0.95
    run.summary["note"] = "summary text"
    print("\x1b[31mred line\x1b[0m and plain")
    print("\x1b[1;32mbold green\x1b[0m")
    if args.xss:
        print(args.xss)
    print("to stderr: warning", file=sys.stderr)
    for i in range(args.lines):
        print(f"line {i:04d} of the console")
    print("needle in the haystack")
    print("the end")

    path = os.path.join(run.dir, "outputs", "predictions.csv")
    e2e.write_text(path, "id,label\n1,cat\n2,dog\n")
    run.save(path, base_path=run.dir, policy="now")
    result = {
        "run_id": run.id,
        "entity": run.entity,
        "project": run.project,
        "file": {"name": "outputs/predictions.csv", **e2e.file_hashes(path)},
    }
    run.finish()
    e2e.emit(result)


def live(args):
    run = wandb.init(project=args.project, settings=wandb.Settings(console="wrap"))
    print(f"STARTED {run.id}", flush=True)
    i = 0
    while not os.path.exists(args.live) and i < 3000:
        print(f"live line {i}", flush=True)
        run.log({"tick": i})
        i += 1
        time.sleep(0.2)
    result = {"run_id": run.id, "entity": run.entity, "project": run.project, "lines": i}
    run.finish()
    e2e.emit(result)


if __name__ == "__main__":
    main()
