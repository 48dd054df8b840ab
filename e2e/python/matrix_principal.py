"""One principal's turn in the permission matrix (e2e/permission-matrix.e2e.test.ts), with the key in
WANDB_API_KEY: a run in ENTITY/PROJECT (`wandb.init` + `run.log` + `run.finish`), then
`wandb.Api().runs(ENTITY/READ_PROJECT)`. Either may be refused; the test judges which should be.

Usage: matrix_principal.py --entity E --project P --run-id R --read-project Q
Prints one JSON line: {"init": {"ok", "error"?}, "api": {"ok", "runs"?, "error"?}}.
"""

import argparse

import wandb

import ballast_e2e as e2e


def failure(error):
    return {"ok": False, "error": f"{type(error).__name__}: {str(error)[:400]}"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entity", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--read-project", required=True)
    args = parser.parse_args()

    try:
        run = wandb.init(entity=args.entity, project=args.project, id=args.run_id)
        for step in range(3):
            run.log({"loss": 1.0 / (step + 1)})
        run.finish()
        init = {"ok": True, "entity": run.entity}
    except Exception as error:  # noqa: BLE001 - the test wants whatever the client raises
        init = failure(error)

    try:
        runs = wandb.Api(timeout=30).runs(f"{args.entity}/{args.read_project}")
        api = {"ok": True, "runs": sorted(r.id for r in runs)}
    except Exception as error:  # noqa: BLE001
        api = failure(error)

    e2e.emit({"init": init, "api": api})


if __name__ == "__main__":
    main()
