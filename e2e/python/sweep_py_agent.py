"""wandb.sweep() with a random-search config, then wandb.agent(function, count=N) in this process.

Usage: sweep_py_agent.py --project P [--count 3]
Prints one JSON line: the sweep id, entity, project, the run ids and configs the function saw, and
what wandb.Api().sweep() reads back (state, config, best_loss, expected_run_count).
"""

import argparse

import wandb

import ballast_e2e as e2e

CONFIG = {
    "method": "random",
    "name": "py-agent-sweep",
    "metric": {"goal": "minimize", "name": "score"},
    "parameters": {
        "x": {"values": [0.01, 0.05, 0.1]},
        "lr": {"distribution": "log_uniform_values", "min": 0.0001, "max": 0.1},
        "opt": {"parameters": {"name": {"values": ["adam", "sgd"]}, "momentum": {"value": 0.9}}},
    },
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True)
    parser.add_argument("--count", type=int, default=3)
    args = parser.parse_args()

    sweep_id = wandb.sweep(CONFIG, project=args.project)
    seen = []

    def train():
        run = wandb.init()
        config = dict(run.config)
        score = config["x"] * 10 + config["lr"]
        run.log({"score": score})
        seen.append({"run_id": run.id, "config": config, "score": score, "entity": run.entity})
        run.finish()

    wandb.agent(sweep_id, function=train, project=args.project, count=args.count)

    entity = seen[0]["entity"] if seen else None
    sweep = wandb.Api().sweep(f"{entity}/{args.project}/{sweep_id}")
    e2e.emit(
        {
            "sweep_id": sweep_id,
            "entity": entity,
            "project": args.project,
            "runs": seen,
            "api": {
                "state": sweep.state,
                "name": sweep.name,
                "config": sweep.config,
                "best_loss": sweep.best_loss,
                "expected_run_count": sweep.expected_run_count,
            },
        }
    )


if __name__ == "__main__":
    main()
