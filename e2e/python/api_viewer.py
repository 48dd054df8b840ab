"""Prints the user that wandb.Api() resolves for WANDB_API_KEY (its `viewer` query), or the error it
raises, as one JSON line. Used to check that a key made in the web UI works and that a revoked one
stops working."""

import json

import wandb

try:
    api = wandb.Api(timeout=30)
    print(json.dumps({"username": api.viewer.username}))
except Exception as error:  # noqa: BLE001 - the test wants whatever the client raises
    print(json.dumps({"error": type(error).__name__, "message": str(error)[:500]}))
