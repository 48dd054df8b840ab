"""Logs the `models` artifact (type `model`) with a new content per log, or a first content again.

Usage: artifact_versions.py --project P --sources DIR [--again]
Without --again: writes three contents to DIR/c0, DIR/c1, DIR/c2 (each the same `config.json`
and its own random `weights.bin`) and logs them in order: the 1st with no aliases, the 2nd with
`best`, the 3rd with `best` and `prod`. With --again: logs DIR/c0 (the 1st content) once more,
with no aliases. The client always adds `latest` to the aliases it sends. Each log is waited for,
so the server sees them in this order.
Prints one JSON line: per log, what the client reports (version, id, digest, aliases, entries).
"""

import argparse
import json
import os

import wandb

import ballast_e2e as e2e


def make_content(root, shared):
    os.makedirs(root)
    e2e.write_text(os.path.join(root, "config.json"), shared)
    e2e.write_random(os.path.join(root, "weights.bin"), 64 * 1024 + 7)
    return root


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--sources", required=True)
    parser.add_argument("--again", action="store_true")
    args = parser.parse_args()

    if args.again:
        plan = [(os.path.join(args.sources, "c0"), None)]
    else:
        shared = json.dumps({"arch": "mlp", "nonce": os.urandom(8).hex()}) + "\n"
        contents = [make_content(os.path.join(args.sources, f"c{i}"), shared) for i in range(3)]
        plan = [(contents[0], None), (contents[1], ["best"]), (contents[2], ["best", "prod"])]

    run = wandb.init(project=args.project, job_type="train")
    logs = []
    for source, aliases in plan:
        artifact = wandb.Artifact("models", type="model")
        artifact.add_dir(source)
        if aliases is None:
            run.log_artifact(artifact)
        else:
            run.log_artifact(artifact, aliases=aliases)
        artifact.wait()
        summary = e2e.artifact_summary(artifact)
        summary.update({"version": artifact.version, "id": artifact.id, "aliases": sorted(artifact.aliases)})
        print("LOGGED " + json.dumps(summary, sort_keys=True), flush=True)
        logs.append(summary)

    result = {"run_id": run.id, "entity": run.entity, "project": run.project, "logs": logs}
    run.finish()
    e2e.emit(result)


if __name__ == "__main__":
    main()
