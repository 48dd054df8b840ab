"""Data for the web UI's workspace (e2e/web/workspace.e2e.test.ts).

Usage: web_workspace.py --project P
Logs four runs with distinct config (lr, batch, a nested optimizer dict) and summary loss, tags on
two of them, and one run whose display name is an XSS payload. Prints one JSON line: entity,
project and, per run, its id, name, lr, batch and final loss.
"""

import argparse

import wandb

import ballast_e2e as e2e

XSS = '<img src=x onerror="window.__xss=1">'

RUNS = [
    # name, lr, batch, final loss, tags
    ("alpha", 0.1, 32, 0.9, ["baseline"]),
    ("bravo", 0.01, 64, 0.4, []),
    ("charlie", 0.001, 32, 0.2, ["best"]),
    (XSS, 0.05, 64, 0.6, []),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    args = parser.parse_args()

    runs = []
    entity = None
    for name, lr, batch, loss, tags in RUNS:
        run = wandb.init(
            project=args.project,
            name=name,
            tags=tags,
            config={"lr": lr, "batch": batch, "optimizer": {"name": "adam", "beta1": 0.9}},
        )
        for step in range(5):
            run.log({"loss": loss + (4 - step) * 0.1, "acc": 1 - loss})
        entity = run.entity
        runs.append({"id": run.id, "name": name, "lr": lr, "batch": batch, "loss": loss})
        run.finish()
    e2e.emit({"entity": entity, "project": args.project, "runs": runs})


if __name__ == "__main__":
    main()
