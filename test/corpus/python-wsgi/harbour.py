"""Tide levels for a harbour, as JSON: a WSGI app with one dependency from the package index."""
import json
import os
import sys

import tidewords

READINGS = {"dawn": 0.3, "noon": 1.7, "dusk": 2.9}


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/":
        body = {"harbour": os.environ.get("HARBOUR_NAME", "unnamed"), "python": sys.version.split()[0],
                "tides": {when: tidewords.describe(level) for when, level in READINGS.items()}}
        status = "200 OK"
    else:
        body = {"error": f"no reading at {path}"}
        status = "404 Not Found"
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    print(f"served {path} ({status[:3]})", flush=True)
    return [data]
