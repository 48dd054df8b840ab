"""Lists a run's files through wandb.Api() and downloads each one.

Usage: run_files.py --path ENTITY/PROJECT/RUN_ID
Prints one JSON line: per file name, the listed size and md5 and the downloaded bytes' hashes.
"""

import argparse
import os
import tempfile

import wandb

import ballast_e2e as e2e


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", required=True)
    args = parser.parse_args()

    run = wandb.Api().run(args.path)
    root = tempfile.mkdtemp(prefix="run-files-")
    result = {}
    for f in run.files():
        f.download(root=root, replace=True)
        result[f.name] = {
            "size": f.size,
            "md5": f.md5,
            "downloaded": e2e.file_hashes(os.path.join(root, f.name)),
        }
    e2e.emit(result)


if __name__ == "__main__":
    main()
