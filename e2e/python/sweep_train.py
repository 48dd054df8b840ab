"""The training program of the sweep tests: reads its parameters from wandb.config, logs a loss.

Run by `wandb agent` (as the sweep config's `program`), never directly. The loss is a pure function
of the parameters, so the test can recompute it: a + (0.5 if b == "y" else 0), logged twice (twice
the loss, then the loss), so the summary holds the loss.
"""

import wandb


def loss_of(config):
    return config["a"] + (0.5 if config["b"] == "y" else 0.0)


def main():
    run = wandb.init()
    loss = loss_of(run.config)
    run.log({"loss": loss * 2})
    run.log({"loss": loss})
    run.finish()


if __name__ == "__main__":
    main()
