"""Berth assignments as JSON: a Poetry app (poetry.lock, main group only) served by a gunicorn-style server."""
import importlib.util
import json

import tidewords

BERTHS = {"north": 2.8, "south": 0.4}


def app(environ, start_response):
    body = {"berths": {name: tidewords.describe(depth) for name, depth in BERTHS.items()},
            "dev_group_installed": importlib.util.find_spec("pytest") is not None}
    data = json.dumps(body).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
