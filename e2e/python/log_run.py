"""Logs a run with every awkward value the protocol carries, saves files and logs an artifact.

Usage: log_run.py --project P [--steps 1000] [--big-mb 20]
Prints one JSON line: run id, entity, project, saved files' hashes, the artifact's digests.
"""

import argparse
import os
import tempfile

import wandb

import ballast_e2e as e2e


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--big-mb", type=int, default=20)
    args = parser.parse_args()

    run = wandb.init(project=args.project, entity=None, config=e2e.CONFIG)
    for step in range(args.steps):
        run.log(e2e.history_row(step))

    # Files written into the run directory and saved with base_path so their names are plain.
    notes = os.path.join(run.dir, "notes.txt")
    e2e.write_text(notes, f"notes for {run.id}\nsecond line\n")
    big = os.path.join(run.dir, "big.bin")
    e2e.write_random(big, args.big_mb * 1024 * 1024)
    run.save(notes, base_path=run.dir, policy="now")
    run.save(big, base_path=run.dir, policy="now")
    files = {"notes.txt": e2e.file_hashes(notes), "big.bin": e2e.file_hashes(big)}

    artifact = wandb.Artifact("ds", type="dataset")
    source = e2e.make_dataset_dir(tempfile.mkdtemp(prefix="ds-"))
    artifact.add_dir(source, name="data")
    run.log_artifact(artifact)
    artifact.wait()
    source_hashes = {}
    for root, _dirs, names in os.walk(source):
        for name in names:
            path = os.path.join(root, name)
            rel = "data/" + os.path.relpath(path, source).replace(os.sep, "/")
            source_hashes[rel] = e2e.file_hashes(path)

    result = {
        "run_id": run.id,
        "entity": run.entity,
        "project": run.project,
        "steps": args.steps,
        "files": files,
        "artifact": e2e.artifact_summary(artifact),
        "artifact_id": artifact.id,
        "artifact_version": artifact.version,
        "artifact_sources": source_hashes,
    }
    run.finish()
    e2e.emit(result)


if __name__ == "__main__":
    main()
