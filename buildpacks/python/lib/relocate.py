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
EXEC = b"'''exec' "
END = b"' '''"
TRAMPOLINE = b"#!/bin/sh\n" + EXEC + b"\"$(dirname -- \"$(readlink -f -- \"$0\")\")/python\" \"$0\" \"$@\"\n" + END + b"\n"

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
        new = TRAMPOLINE + rest
    elif first.rstrip() == b"#!/bin/sh" and rest.startswith(EXEC):
        # pip's own form for an interpreter path too long for a #! line (deep build dirs): the same three lines,
        # naming the build path; replaced when they name one of ours.
        second, _, after = rest.partition(b"\n")
        third, _, body = after.partition(b"\n")
        named = second[len(EXEC):].split(b" ")[0].strip(b'"')
        if b"#!" + named not in olds or third.strip() != END:
            continue
        new = TRAMPOLINE + body
    else:
        continue
    with open(path, "wb") as f:
        f.write(new)
    count += 1
print(f"       {count} command{'s' if count != 1 else ''} made relocatable")
