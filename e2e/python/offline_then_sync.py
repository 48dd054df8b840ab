"""Logs a run offline (history, a saved file, an artifact), then uploads it with `wandb sync`.

Usage: offline_then_sync.py --project P [--steps 300]
Prints one JSON line like log_run.py's, plus the `wandb sync` output and the ERROR records of
its log (wandb/logs/debug-sync.*.log).
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import wandb

import ballast_e2e as e2e


def sync_log_errors(log_dir):
    """ERROR records of wandb-core's sync log. `wandb sync` exits 0 even when it could not upload
    part of a run (e.g. an artifact the server rejected); the reason is only in this log."""
    errors = []
    for path in sorted(glob.glob(os.path.join(log_dir, "debug-sync.*.log"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if record.get("level") == "ERROR":
                    errors.append(record.get("msg", line).strip())
    return errors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()

    run = wandb.init(project=args.project, mode="offline", config=e2e.CONFIG)
    for step in range(args.steps):
        run.log(e2e.history_row(step))

    notes = os.path.join(run.dir, "offline-notes.txt")
    e2e.write_text(notes, f"offline notes for {run.id}\n")
    blob = os.path.join(run.dir, "offline.bin")
    e2e.write_random(blob, 1024 * 1024 + 7)
    run.save(notes, base_path=run.dir, policy="now")
    run.save(blob, base_path=run.dir, policy="now")
    files = {"offline-notes.txt": e2e.file_hashes(notes), "offline.bin": e2e.file_hashes(blob)}

    artifact = wandb.Artifact("offline-ds", type="dataset")
    source = e2e.make_dataset_dir(tempfile.mkdtemp(prefix="ds-"))
    artifact.add_dir(source, name="data")
    run.log_artifact(artifact)  # no wait(): offline artifacts are uploaded by `wandb sync`
    run_dir = os.path.dirname(run.dir)  # .../wandb/offline-run-<time>-<id>; run.dir is its files/
    summary = {
        "run_id": run.id,
        "project": run.project,
        "steps": args.steps,
        "files": files,
        "artifact": e2e.artifact_summary(artifact),
        "run_dir": run_dir,
    }
    run.finish()

    wandb_cli = os.path.join(os.path.dirname(sys.executable), "wandb")
    sync = subprocess.run([wandb_cli, "sync", run_dir], capture_output=True, text=True, timeout=600)
    if sync.returncode != 0:
        sys.stderr.write(sync.stdout + sync.stderr)
        sys.exit(f"wandb sync exited with {sync.returncode}")
    summary["sync_output"] = (sync.stdout + sync.stderr)[-4000:]
    summary["sync_errors"] = sync_log_errors(os.path.join(os.path.dirname(run_dir), "logs"))
    e2e.emit(summary)


if __name__ == "__main__":
    main()
