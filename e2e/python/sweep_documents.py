"""Prints, as one JSON line, every GraphQL document the sweep functions of the installed wandb client
send, keyed by operation name: the five UpsertSweep shapes `_upsert_sweep` tries newest first, the
state-change UpsertSweep, CreateAgent, Heartbeat, SweepWithRuns and GetSweepState
(wandb/apis/public/sweeps.py). The documents are assembled inside those functions, so they are
captured from a stand-in API object instead of read from the source. No server is contacted.
"""

import json
import re

from wandb.apis.public import sweeps

documents = {}


class RecordingServiceApi:
    def execute_graphql(self, query, variables=None, **kwargs):
        name = re.search(r"(?:query|mutation)\s+(\w+)", query).group(1)
        documents.setdefault(name, [])
        if query not in documents[name]:
            documents[name].append(query)
        if name == "SweepWithRuns":
            return {"project": {"sweep": {"id": "U3dlZXA6MQ==", "state": "RUNNING", "runs": {"edges": []}}}}
        raise RuntimeError("recorded")


class StandInApi:
    settings = {"entity": "e", "project": "p"}
    _service_api = RecordingServiceApi()


api = StandInApi()
for call in (
    lambda: sweeps._upsert_sweep(api, {"method": "grid", "parameters": {"x": {"values": [1]}}}),
    lambda: sweeps._register_agent(api, "host", sweep_id="s"),
    lambda: sweeps._agent_heartbeat(api, "a", {}, {}),
    lambda: sweeps._get_sweep_state(api, "s"),
    lambda: sweeps._set_sweep_state(api, "s", "PAUSED"),
):
    try:
        call()
    except Exception:
        pass

print(json.dumps(documents))
