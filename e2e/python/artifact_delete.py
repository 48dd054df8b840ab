"""Deletes artifact versions as W&B's docs show it: logs `ds` three times (v0 with `best`, v1, v2)
and then, through wandb.Api(): deletes v0 without delete_aliases (refused: it has `best`), with
delete_aliases=True, and v2 (only `latest`: allowed, `latest` moves to v1).

Usage: artifact_delete.py --project P --dir DIR. Prints one JSON line of what the client saw.
"""

import argparse
import os

import wandb

import ballast_e2e as e2e


def outcome(call):
    try:
        call()
        return "ok"
    except Exception as error:  # noqa: BLE001 - the test wants whatever the client raises
        return f"{type(error).__name__}: {str(error)[:300]}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    with wandb.init(project=args.project, job_type="make") as run:
        for index, aliases in enumerate([["best"], [], []]):
            path = os.path.join(args.dir, f"v{index}.txt")
            e2e.write_text(path, f"version {index}\n")
            artifact = wandb.Artifact("ds", type="dataset")
            artifact.add_file(path, name="data.txt")
            run.log_artifact(artifact, aliases=aliases).wait()
        entity = run.entity
    api = wandb.Api(timeout=30)
    name = f"{entity}/{args.project}/ds"
    result = {
        "v0_keep_aliases": outcome(lambda: api.artifact(f"{name}:v0").delete()),
        "v0_with_aliases": outcome(lambda: api.artifact(f"{name}:v0").delete(delete_aliases=True)),
        "v0_read_after": outcome(lambda: api.artifact(f"{name}:v0")),
        "best_read_after": outcome(lambda: api.artifact(f"{name}:best")),
        "v2_latest_only": outcome(lambda: api.artifact(f"{name}:v2").delete()),
    }
    latest = api.artifact(f"{name}:latest")
    result["latest_now"] = latest.version
    result["versions_left"] = sorted(a.version for a in api.artifacts("dataset", name))
    e2e.emit(result)


if __name__ == "__main__":
    main()
