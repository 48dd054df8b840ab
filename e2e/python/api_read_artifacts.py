"""Logs artifacts of two types (several versions, aliases, a file:// reference), uses one, then reads
everything back through wandb.Api(): types, collections, versions, aliases, lineage, files, download.

Usage: api_read_artifacts.py --project P
Prints one JSON line with what the Api returned and what the script logged.
"""

import argparse
import os
import tempfile

import wandb

import ballast_e2e as e2e


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp()
    outside = os.path.join(work, "outside.txt")
    e2e.write_text(outside, "a file the artifact only references\n")

    producer = wandb.init(project=args.project, job_type="produce")
    logged = {}
    for version in range(3):
        path = os.path.join(work, f"weights-{version}.bin")
        e2e.write_random(path, 1000 + version)
        model = wandb.Artifact("net", type="model", metadata={"epoch": version})
        model.add_file(path, name="weights.bin")
        aliases = ["best"] if version == 1 else []
        producer.log_artifact(model, aliases=aliases).wait()
        logged[f"net:v{version}"] = e2e.file_hashes(path)
    data = wandb.Artifact("corpus", type="dataset")
    e2e.write_text(os.path.join(work, "corpus", "train.txt"), "train\n")
    data.add_dir(os.path.join(work, "corpus"))
    data.add_reference("file://" + outside, name="outside.txt")
    producer.log_artifact(data).wait()
    producer.finish()

    consumer = wandb.init(project=args.project, job_type="consume")
    consumer.use_artifact("net:best")
    consumer.finish()

    api = wandb.Api()
    path = f"{producer.entity}/{args.project}"
    types = sorted(t.name for t in api.artifact_types(project=path))
    model_collections = sorted(c.name for c in api.artifact_collections(path, "model"))
    collection = api.artifact_collection("model", f"{path}/net")
    versions = [(a.version, sorted(a.aliases)) for a in api.artifacts("model", f"{path}/net")]
    best = api.artifact(f"{path}/net:best")
    best_dir = best.download(root=os.path.join(work, "best"))
    # get_entry().download() has no signed URL: the client uses the authenticated /artifactsV2 path.
    entry_path = best.get_entry("weights.bin").download(root=os.path.join(work, "entry"))
    corpus = api.artifact(f"{path}/corpus:latest")
    corpus_dir = corpus.download(root=os.path.join(work, "corpus-dl"))
    downloaded = {}
    for root, _dirs, names in os.walk(corpus_dir):
        for name in names:
            full = os.path.join(root, name)
            downloaded[os.path.relpath(full, corpus_dir)] = e2e.file_hashes(full)
    run = api.run(f"{path}/{producer.id}")
    e2e.emit(
        {
            "entity": producer.entity,
            "types": types,
            "model_collections": model_collections,
            "collection": {"name": collection.name, "type": collection.type, "aliases": sorted(collection.aliases)},
            "versions": versions,
            "best": {
                "version": best.version,
                "metadata": best.metadata,
                "weights": e2e.file_hashes(os.path.join(best_dir, "weights.bin")),
                "entry": e2e.file_hashes(entry_path),
                "files": sorted(f.name for f in best.files()),
                "logged_by": best.logged_by().id,
                "used_by": sorted(r.id for r in best.used_by()),
            },
            "logged": logged,
            "corpus_files": sorted(f.name for f in corpus.files()),
            "corpus_downloaded": downloaded,
            "outside": e2e.file_hashes(outside),
            "logged_artifacts": sorted(a.qualified_name.split("/")[-1] for a in run.logged_artifacts()),
            "used_artifacts": [a.qualified_name.split("/")[-1] for a in api.run(f"{path}/{consumer.id}").used_artifacts()],
            "producer": producer.id,
            "consumer": consumer.id,
        }
    )


if __name__ == "__main__":
    main()
