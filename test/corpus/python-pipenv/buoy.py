"""A buoy's reading as plain text: a Pipenv app (Pipfile.lock) served by a gunicorn-style server."""
import importlib.util

import tidewords


def app(environ, start_response):
    dev_tools = "pytest installed" if importlib.util.find_spec("pytest") else "no dev packages"
    data = f"buoy 7: {tidewords.describe(0.2)} ({dev_tools})\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]
