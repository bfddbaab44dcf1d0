"""Serves the collected static files (STATIC_ROOT, filled by collectstatic during the build) and nothing else."""
from pathlib import Path

from lighthouse import settings

TYPES = {".css": "text/css", ".txt": "text/plain"}


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    root = Path(settings.STATIC_ROOT).resolve()
    if path == "/":
        collected = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
        return respond(start_response, "200 OK", "text/plain", f"collected: {', '.join(collected) or 'nothing'}\n".encode())
    if path.startswith("/" + settings.STATIC_URL):
        target = (root / path[len(settings.STATIC_URL) + 1:]).resolve()
        if target.is_file() and root in target.parents:
            return respond(start_response, "200 OK", TYPES.get(target.suffix, "application/octet-stream"), target.read_bytes())
    return respond(start_response, "404 Not Found", "text/plain", b"not found\n")


def respond(start_response, status, content_type, data):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]
