"""Logs an HTML snippet and a small Table at every step, raises one alert, then lists the media
files the run wrote.

Usage: media_run.py --project P [--steps 3]
Prints one JSON line: run id, entity, project, steps, and every file under the run's media/
directory (path relative to the run dir → md5 and size): what wandb-core uploads as run files.
"""

import argparse
import os

import wandb

import ballast_e2e as e2e


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()

    run = wandb.init(project=args.project)
    for _ in range(args.steps):
        run.log(
            {
                "page": wandb.Html("<b>hi</b>"),
                "tbl": wandb.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]]),
            }
        )
    run.alert(title="table logged", text="3 steps of HTML and tables", level=wandb.AlertLevel.WARN, wait_duration=90)
    run_dir = run.dir
    run.finish()

    media = {}
    for root, _dirs, names in os.walk(os.path.join(run_dir, "media")):
        for name in names:
            path = os.path.join(root, name)
            media[os.path.relpath(path, run_dir).replace(os.sep, "/")] = e2e.file_hashes(path)
    e2e.emit(
        {
            "run_id": run.id,
            "entity": run.entity,
            "project": run.project,
            "steps": args.steps,
            "media": media,
        }
    )


if __name__ == "__main__":
    main()
