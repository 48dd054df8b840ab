"""Resumes an existing run (resume="must") and logs more steps, which must continue its _step.

Usage: resume_run.py RUN_ID --project P [--start 1000] [--steps 200]
`--start` is the step the test expects the server to resume at; values are computed from it, so a
wrong resume point shows up as values that do not match their step.
"""

import argparse

import wandb

import ballast_e2e as e2e


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run_id")
    parser.add_argument("--project", required=True)
    parser.add_argument("--start", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()

    run = wandb.init(id=args.run_id, resume="must", project=args.project)
    starting_step = run.starting_step
    for offset in range(args.steps):
        run.log(e2e.history_row(args.start + offset))
    result = {
        "run_id": run.id,
        "entity": run.entity,
        "project": run.project,
        "resumed": bool(run.resumed),
        "starting_step": starting_step,
        "steps": args.steps,
    }
    run.finish()
    e2e.emit(result)


if __name__ == "__main__":
    main()
