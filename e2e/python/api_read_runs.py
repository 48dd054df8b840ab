"""Logs eight runs with varied config, summary, tags, groups and states, then reads them back
through wandb.Api(): filtered and ordered run lists, pagination, one run's config/summary/history
keys, history (sampled, by keys, system), scan_history, files and downloads, run.update(),
summary.update(), run.delete(), projects. The test (e2e/wandb-api-runs.e2e.test.ts) judges it all.

Usage: api_read_runs.py --project P
Prints one JSON line (NaN/Infinity as Python's json writes them; integers exact).
"""

import argparse
import json
import math
import os
import tempfile

import wandb

import ballast_e2e as e2e

STEPS = 30
BIG = 2**53 + 1


def row(step):
    """Run `base`'s history row at `step` (the test recomputes it)."""
    return {
        "loss": 1.0 / (step + 1),
        "acc": step / 32,
        "nested": {"x": step, "deep": {"y": step * 0.5}},
        "nan": float("nan"),
        "pinf": math.inf,
        "ninf": -math.inf,
        "big": BIG + step,
        "text": f"s{step}",
    }


# label → (init kwargs, summary updates, exit code). Created in this order.
RUNS = {
    "base": (dict(config={"lr": 0.1, "opt": "adam", "model": {"depth": 3, "name": "mlp"}}, tags=["baseline", "a"]), {}, 0),
    "sgd": (dict(config={"lr": 0.01, "opt": "sgd", "model": {"depth": 5}}, tags=["b"]), {"loss": 0.2}, 0),
    "failed": (dict(config={"lr": 1, "opt": "Adam"}), {"loss": "n/a"}, 1),
    "nan": (dict(config={"lr": float("nan"), "opt": "adamw"}, tags=["a"]), {"best": math.inf, "loss": 0.9}, 0),
    "grouped1": (dict(config={"lr": 0.05}, group="g1", job_type="train", tags=["a", "b"], name="g-one"), {"loss": 0.4}, 0),
    "grouped2": (dict(config={"lr": 0.2}, group="g1", job_type="eval", name="g-two"), {"loss": 0.3}, 0),
    "quoted": (dict(config={"lr": 0.3, "it's \"q\"": 7}, name="it's 'quoted'"), {"loss": 0.6}, 0),
    "neginf": (dict(config={"lr": 0.4}), {"loss": -math.inf}, 0),
}

# label → (filters, order): each run list the test checks.
QUERIES = {
    "all": ({}, "+created_at"),
    "all_desc": ({}, "-created_at"),
    "finished": ({"state": "finished"}, "+created_at"),
    "failed_state": ({"state": "failed"}, "+created_at"),
    "lr_gt": ({"config.lr": {"$gt": 0.1}}, "+created_at"),
    "lr_value_lte": ({"config.lr.value": {"$lte": 0.05}}, "+created_at"),
    "and": ({"$and": [{"state": "finished"}, {"config.lr": {"$gte": 0.1}}]}, "+created_at"),
    "or": ({"$or": [{"config.opt": "sgd"}, {"group": "g1"}]}, "+created_at"),
    "nor": ({"$nor": [{"tags": "a"}, {"state": "failed"}]}, "+created_at"),
    "regex": ({"config.opt": {"$regex": "^adam"}}, "+created_at"),
    "regex_name": ({"display_name": {"$regex": "quoted"}}, "+created_at"),
    "in": ({"config.opt": {"$in": ["sgd", "Adam"]}}, "+created_at"),
    "nin_tags": ({"tags": {"$nin": ["a", "b"]}}, "+created_at"),
    "tag": ({"tags": "a"}, "+created_at"),
    "exists": ({"summary_metrics.best": {"$exists": True}}, "+created_at"),
    "not_exists": ({"config.opt": {"$exists": False}}, "+created_at"),
    "nested": ({"config.model.depth": {"$gt": 4}}, "+created_at"),
    "quoted_key": ({"config.it's \"q\"": 7}, "+created_at"),
    "job_type": ({"jobType": "train"}, "+created_at"),
    "summary_lt": ({"summary_metrics.loss": {"$lt": 0.35}}, "+created_at"),
    "order_loss": ({"summary_metrics.loss": {"$exists": True}}, "+summary_metrics.loss"),
    "order_lr_desc": ({}, "-config.lr"),
    "order_name": ({"group": "g1"}, "+display_name"),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp()

    ids = {}
    files = {}
    entity = None
    for label, (kwargs, summary, exit_code) in RUNS.items():
        run = wandb.init(project=args.project, **kwargs)
        entity = run.entity
        if label == "base":
            for step in range(STEPS):
                run.log(row(step))
            notes = os.path.join(work, "notes.txt")
            e2e.write_text(notes, f"notes of {run.id}\n")
            blob = os.path.join(work, "dir", "data.bin")
            e2e.write_random(blob, 70_000)
            run.save(notes, base_path=work, policy="now")
            run.save(blob, base_path=work, policy="now")
            files = {"notes.txt": e2e.file_hashes(notes), "dir/data.bin": e2e.file_hashes(blob)}
        for key, value in summary.items():
            run.summary[key] = value
        ids[label] = run.id
        run.finish(exit_code=exit_code)

    api = wandb.Api()
    path = f"{entity}/{args.project}"
    result = {"ids": ids, "entity": entity, "files_logged": files, "queries": {}}
    for label, (filters, order) in QUERIES.items():
        runs = api.runs(path, filters=filters, order=order, per_page=3)
        result["queries"][label] = {"ids": [r.id for r in runs], "len": len(runs)}

    # Pagination: a fresh Api (the runs cache is keyed by path, filters and order, not page size).
    paged = wandb.Api().runs(path, per_page=3)
    result["paged"] = {"len": len(paged), "ids": [r.id for r in paged], "states": [r.state for r in paged]}
    lazy_run = next(iter(wandb.Api().runs(path, filters={"name": ids["grouped1"]})))
    result["lazy"] = {
        "name": lazy_run.name,
        "group": lazy_run.group,
        "job_type": lazy_run.job_type,
        "tags": lazy_run.tags,
        "user": lazy_run.user.username,
        "config": lazy_run.config,  # loads the full fragment (op Run)
    }

    base = api.run(f"{path}/{ids['base']}")
    result["base"] = {
        "name": base.name,
        "state": base.state,
        "config": base.config,
        "summary": dict(base.summary_metrics),
        "system_metrics": base.system_metrics,
        "last_step": base.lastHistoryStep,
        "history_line_count": base.historyLineCount,
        "history": base.history(samples=1000, pandas=False),
        "history_sampled": [r["_step"] for r in base.history(samples=7, pandas=False)],
        "history_keys": base.history(keys=["loss", "nested.x", "big", "text"], pandas=False),
        "history_special": base.history(keys=["nan", "pinf", "ninf"], samples=3, pandas=False),
        "events": base.history(stream="system", pandas=False),
        "scan": list(base.scan_history()),
        "scan_keys": list(base.scan_history(keys=["loss", "acc"], page_size=7)),
        "scan_range": [r["_step"] for r in base.scan_history(min_step=5, max_step=12, page_size=4)],
    }
    listed = base.files()
    result["files"] = {
        "len": len(listed),
        "names": sorted(f.name for f in listed),
        "sizes": {f.name: f.size for f in listed},
        "md5": {f.name: f.md5 for f in listed},
        "absolute_urls": all(f.url.startswith("http") for f in listed),
        "dot_slash": base.file("./notes.txt").name,
        "pattern": [f.name for f in base.files(pattern="%.bin")],
        "paged": [f.name for f in base.files(per_page=1)],
    }
    downloads = os.path.join(work, "downloads")
    result["downloaded"] = {}
    for name in files:
        base.file(name).download(root=downloads, replace=True)
        result["downloaded"][name] = e2e.file_hashes(os.path.join(downloads, name))

    # run.update(): tags, notes, display name, config; summary.update(); re-read with a fresh Api.
    sgd = api.run(f"{path}/{ids['sgd']}")
    sgd.tags = sgd.tags + ["updated"]
    sgd.notes = "edited from the API"
    sgd.name = "renamed"
    sgd.config["lr"] = 0.5
    sgd.config["added"] = {"k": [1, 2]}
    sgd.update()
    sgd.summary.update({"extra": 42, "loss": 0.25})
    again = wandb.Api().run(f"{path}/{ids['sgd']}")
    result["updated"] = {
        "tags": again.tags,
        "notes": again.notes,
        "name": again.name,
        "config": again.config,
        "summary": dict(again.summary_metrics),
    }

    # run.delete(): gone from run(), runs() and the count.
    wandb.Api().run(f"{path}/{ids['neginf']}").delete()
    fresh = wandb.Api()
    try:
        fresh.run(f"{path}/{ids['neginf']}")
        result["deleted_lookup"] = "still there"
    except Exception as error:  # noqa: BLE001 - the client raises ValueError subclasses or CommError
        result["deleted_lookup"] = type(error).__name__
    remaining = fresh.runs(path)
    result["after_delete"] = {"len": len(remaining), "ids": [r.id for r in remaining]}

    # A malformed filter: the server's message reaches the user.
    try:
        list(fresh.runs(path, filters={"config.lr": {"$bogus": 1}}))
        result["bad_filter"] = "accepted"
    except Exception as error:  # noqa: BLE001
        result["bad_filter"] = str(error)

    projects = wandb.Api().projects(entity)
    result["projects"] = sorted(p.name for p in projects)
    project = wandb.Api().project(args.project, entity)
    result["project"] = {"name": project.name, "id": project.id, "created_at": project.created_at}
    # As a string: the values hold NaN/Infinity tokens, which the harness's strict parser refuses.
    e2e.emit({"payload": json.dumps(result)})


if __name__ == "__main__":
    main()
