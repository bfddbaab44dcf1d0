"""relocate.py VENV [BUILT_AT…] — makes a virtualenv built at one path runnable from any other (the slug is built in a
build directory and run from /app, or from a dyno directory in process mode).

A venv finds its prefix from where its `python` is, so only the console scripts pip wrote (gunicorn, flask, …)
name the path they were written at (VENV, or BUILT_AT for a venv copied from there): that
`#!<path>/bin/python` line becomes a two-line sh/Python polyglot that
runs the `python` beside the script, wherever the venv is. The activate scripts, which name the build path too,
are removed (dynos get PATH and VIRTUAL_ENV from .profile.d/python.sh).
"""
import os
import sys

venv = os.path.abspath(sys.argv[1])
bin_dir = os.path.join(venv, "bin")
olds = set()
for prefix in [venv] + [os.path.abspath(p) for p in sys.argv[2:]]:
    base = ("#!" + os.path.join(prefix, "bin", "python")).encode()
    olds.update((base, base + b"3", base + b"3.11"))
TRAMPOLINE = b"#!/bin/sh\n'''exec' \"$(dirname -- \"$(readlink -f -- \"$0\")\")/python\" \"$0\" \"$@\"\n' '''\n"

count = 0
for name in sorted(os.listdir(bin_dir)):
    path = os.path.join(bin_dir, name)
    if os.path.islink(path) or not os.path.isfile(path):
        continue
    if name.startswith("activate") or name == "Activate.ps1":
        os.remove(path)
        continue
    with open(path, "rb") as f:
        data = f.read()
    first, _, rest = data.partition(b"\n")
    if first.rstrip() in olds:
        with open(path, "wb") as f:
            f.write(TRAMPOLINE + rest)
        count += 1
print(f"       {count} command{'s' if count != 1 else ''} made relocatable")
