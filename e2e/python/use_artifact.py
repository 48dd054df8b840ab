"""A new run consumes the `ds` artifact by alias and by full path and downloads it.

Usage: use_artifact.py --project P
Prints one JSON line: the consuming run's id and, per reference form, every downloaded file's hash.
"""

import argparse
import os
import tempfile

import wandb

import ballast_e2e as e2e


def hash_tree(root):
    out = {}
    for base, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(base, name)
            out[os.path.relpath(path, root).replace(os.sep, "/")] = e2e.file_hashes(path)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    args = parser.parse_args()

    run = wandb.init(project=args.project, job_type="consume")
    by_alias = run.use_artifact("ds:latest")
    alias_root = by_alias.download(root=tempfile.mkdtemp(prefix="dl-latest-"))
    by_path = run.use_artifact(f"{run.entity}/{run.project}/ds:v0")
    # skip_cache: the first download filled the local artifact cache; make this one hit the server.
    path_root = by_path.download(root=tempfile.mkdtemp(prefix="dl-v0-"), skip_cache=True)

    result = {
        "run_id": run.id,
        "entity": run.entity,
        "project": run.project,
        "latest": {"id": by_alias.id, "digest": by_alias.digest, "version": by_alias.version, "files": hash_tree(alias_root)},
        "v0": {"id": by_path.id, "digest": by_path.digest, "version": by_path.version, "files": hash_tree(path_root)},
    }
    run.finish()
    e2e.emit(result)


if __name__ == "__main__":
    main()
