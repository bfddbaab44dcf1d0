/**
 * A real Python package index for tests (this machine reaches no PyPI): the test writes two tiny packages, builds
 * real wheels of them with the stack's pip (`/usr/bin/python3 -m pip wheel`), lays them out as a PEP 503 "simple"
 * index and serves it over HTTP. Apps then install from it with `PIP_INDEX_URL=<url>/simple/`.
 *
 *   tidewords 1.0.0 — a library (`tidewords.describe(level)`)
 *   tinywsgi 0.1.0 — a gunicorn-style WSGI server: `tinywsgi module:app --bind 0.0.0.0:$PORT` (a console script)
 *   django 0.1.0 — NOT Django: a stand-in under Django's name whose `django.core.management` knows one command,
 *     `collectstatic` (STATICFILES_DIRS copied into STATIC_ROOT; Django's error when STATIC_ROOT is not set), so
 *     the buildpack's collectstatic step runs against something real. Real Django is not installable here.
 *
 * The wheels are reproducible (SOURCE_DATE_EPOCH, fixed file modes): the same bytes on every machine with the
 * stack's Python, so lock files committed in the corpus (python-pipenv, python-poetry) name their sha256; the python
 * buildpack test checks that they still match `sha256` below.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { STACK_IMAGE } from './stack-image.ts';

const execFileAsync = promisify(execFile);
/** Debian's Python, the stack's (a pyenv shim may come first on PATH on a developer machine). */
export const STACK_PYTHON = '/usr/bin/python3';

const PACKAGES: Record<string, Record<string, string>> = {
  tidewords: {
    'pyproject.toml': '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "tidewords"\nversion = "1.0.0"\n',
    'tidewords/__init__.py': [
      '"""Words for water levels."""',
      '',
      'def describe(level):',
      '    if level > 2.5:',
      '        return "high water"',
      '    if level < 0.5:',
      '        return "low water"',
      '    return "mid tide"',
      '',
    ].join('\n'),
  },
  tinywsgi: {
    'pyproject.toml': [
      '[build-system]',
      'requires = ["setuptools"]',
      'build-backend = "setuptools.build_meta"',
      '',
      '[project]',
      'name = "tinywsgi"',
      'version = "0.1.0"',
      '',
      '[project.scripts]',
      'tinywsgi = "tinywsgi:main"',
      '',
    ].join('\n'),
    'tinywsgi/__init__.py': [
      '"""A small WSGI server with a gunicorn-like command line: tinywsgi module:app --bind HOST:PORT."""',
      'import argparse, importlib, signal, sys',
      'from socketserver import ThreadingMixIn',
      'from wsgiref.simple_server import WSGIServer, make_server',
      '',
      'class _Server(ThreadingMixIn, WSGIServer):',
      '    daemon_threads = True',
      '',
      'def main(argv=None):',
      '    parser = argparse.ArgumentParser(prog="tinywsgi")',
      '    parser.add_argument("app")',
      '    parser.add_argument("--bind", default="127.0.0.1:8000")',
      '    args = parser.parse_args(argv)',
      '    module, _, name = args.app.partition(":")',
      '    sys.path.insert(0, ".")',
      '    application = getattr(importlib.import_module(module), name or "application")',
      '    host, _, port = args.bind.rpartition(":")',
      '    server = make_server(host or "0.0.0.0", int(port), application, server_class=_Server)',
      '    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))',
      '    print(f"tinywsgi: listening on {args.bind}", flush=True)',
      '    server.serve_forever()',
      '',
    ].join('\n'),
  },
  django: {
    'pyproject.toml': '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "django"\nversion = "0.1.0"\ndescription = "A test stand-in named django: collectstatic only"\n',
    'django/__init__.py': 'VERSION = (0, 1, 0)\n',
    'django/core/__init__.py': '',
    'django/core/exceptions.py': 'class ImproperlyConfigured(Exception):\n    pass\n',
    'django/core/management/__init__.py': [
      '"""manage.py\'s entry point, with one command: collectstatic (copies STATICFILES_DIRS into STATIC_ROOT)."""',
      'import importlib, os, shutil, sys',
      'from django.core.exceptions import ImproperlyConfigured',
      '',
      'def collectstatic(settings):',
      '    root = getattr(settings, "STATIC_ROOT", None)',
      '    if not root:',
      '        raise ImproperlyConfigured("You\'re using the staticfiles app without having set the STATIC_ROOT setting to a filesystem path.")',
      '    count = 0',
      '    for source in getattr(settings, "STATICFILES_DIRS", []):',
      '        for folder, _, files in os.walk(source):',
      '            for name in sorted(files):',
      '                target = os.path.join(root, os.path.relpath(os.path.join(folder, name), source))',
      '                os.makedirs(os.path.dirname(target), exist_ok=True)',
      '                shutil.copyfile(os.path.join(folder, name), target)',
      '                count += 1',
      '    print(f"{count} static files copied to \'{os.path.abspath(root)}\'.")',
      '',
      'def execute_from_command_line(argv=None):',
      '    argv = sys.argv if argv is None else argv',
      '    command = argv[1] if len(argv) > 1 else "help"',
      '    if command != "collectstatic":',
      '        sys.exit(f"Unknown command: {command!r} (this stand-in knows collectstatic only)")',
      '    settings = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])',
      '    collectstatic(settings)',
      '',
    ].join('\n'),
  },
};

export interface PythonIndex {
  /** `http://<host>:<port>`: the simple index is at `${url}/simple/`. */
  url: string;
  port: number;
  /** Wheel files served, by package name. */
  wheels: Record<string, string>;
  /** Each wheel's sha256 (hex), by package name: what a lock file records as `sha256:<hex>`. */
  sha256: Record<string, string>;
  /** Requests the index answered (paths), to see whether pip asked it. */
  requests: string[];
  close(): Promise<void>;
}

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, body] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fsp.writeFile(path.join(dir, name), body);
    await fsp.chmod(path.join(dir, name), 0o644); // the wheel records modes: the same under any umask
  }
}

/**
 * Builds the wheels into `dir` and serves `dir` as a PEP 503 index on `listen` (default 127.0.0.1; `0.0.0.0` for
 * build containers), named `host` in `url` (default 127.0.0.1).
 */
export async function startPythonIndex(dir: string, options: { listen?: string; host?: string } = {}): Promise<PythonIndex> {
  const packagesDir = path.join(dir, 'packages');
  await fsp.mkdir(packagesDir, { recursive: true });
  const wheels: Record<string, string> = {};
  const sha256: Record<string, string> = {};
  for (const [name, files] of Object.entries(PACKAGES)) {
    const src = await fsp.mkdtemp(path.join(os.tmpdir(), `pysrc-${name}-`));
    try {
      await writeTree(src, files);
      await execFileAsync(STACK_PYTHON, ['-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index', '-q', '-w', packagesDir, src], {
        // SOURCE_DATE_EPOCH: the zip's timestamps, so the wheel's bytes (and sha256) are the same on every build.
        env: { PATH: '/usr/bin:/bin', HOME: src, PIP_DISABLE_PIP_VERSION_CHECK: '1', SOURCE_DATE_EPOCH: '315532800' },
      });
    } finally {
      await fsp.rm(src, { recursive: true, force: true });
    }
    const file = (await fsp.readdir(packagesDir)).find((f) => f.startsWith(`${name}-`) && f.endsWith('.whl'));
    if (!file) throw new Error(`pip wheel wrote no wheel for ${name}`);
    wheels[name] = file;
    const sha = createHash('sha256').update(await fsp.readFile(path.join(packagesDir, file))).digest('hex');
    sha256[name] = sha;
    await fsp.mkdir(path.join(dir, 'simple', name), { recursive: true });
    await fsp.writeFile(
      path.join(dir, 'simple', name, 'index.html'),
      `<!DOCTYPE html>\n<html><body><a href="../../packages/${file}#sha256=${sha}">${file}</a></body></html>\n`,
    );
  }
  await fsp.writeFile(
    path.join(dir, 'simple', 'index.html'),
    `<!DOCTYPE html>\n<html><body>${Object.keys(PACKAGES).map((n) => `<a href="${n}/">${n}</a>`).join('\n')}</body></html>\n`,
  );

  const requests: string[] = [];
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://index').pathname);
    requests.push(urlPath);
    let file = path.resolve(root, `.${urlPath}`);
    if (file !== root && !file.startsWith(root + path.sep)) return void res.writeHead(403).end();
    if (urlPath.endsWith('/')) file = path.join(file, 'index.html');
    fsp.stat(file).then(
      (st) => {
        if (!st.isFile()) return void res.writeHead(404).end();
        const html = file.endsWith('.html');
        // As PyPI does: files are immutable, so pip's HTTP cache (PIP_CACHE_DIR) keeps them; pages are revalidated.
        res.writeHead(200, {
          'content-type': html ? 'text/html' : 'application/octet-stream',
          'content-length': st.size,
          'cache-control': html ? 'max-age=0' : 'public, max-age=31536000, immutable',
          'last-modified': st.mtime.toUTCString(),
        });
        createReadStream(file).pipe(res);
      },
      () => {
        // PEP 503: /simple/<name> without the slash redirects to the slash.
        if (!urlPath.endsWith('/') && urlPath.startsWith('/simple/')) return void res.writeHead(301, { location: `${urlPath}/` }).end();
        res.writeHead(404).end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, options.listen ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    wheels,
    sha256,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Docker mode: builds run on the `platform-builds` network, fenced off the host, so a host-side index is out of
 * their reach; this serves an index directory (`startPythonIndex` wrote it) from a container on that network (the
 * stack's python3 -m http.server), as a private index would be served on a real network. Call after the platform
 * server started (it creates the network). `remove()` removes the container.
 */
export async function servePythonIndexOnBuildNetwork(docker: Docker, dir: string): Promise<{ url: string; host: string; remove: () => Promise<void> }> {
  // The container runs as the stack's unprivileged user: the index must be world-readable.
  for (const entry of ['', ...(await fsp.readdir(dir, { recursive: true }))]) {
    const file = path.join(dir, entry);
    await fsp.chmod(file, (await fsp.stat(file)).isDirectory() ? 0o755 : 0o644);
  }
  for (let up = path.dirname(dir); up !== path.dirname(up); up = path.dirname(up)) {
    if (up.startsWith(os.tmpdir()) && up !== os.tmpdir()) await fsp.chmod(up, 0o755);
  }
  const container = await docker.createContainer({
    Image: STACK_IMAGE,
    Entrypoint: [],
    Cmd: ['python3', '-m', 'http.server', '8080', '--directory', '/index'],
    Labels: { 'platform-test.python-index': String(process.pid) },
    HostConfig: { Binds: [`${dir}:/index:ro`], NetworkMode: 'platform-builds' },
  });
  const remove = () => container.remove({ force: true }).then(() => undefined, () => undefined);
  try {
    await container.start();
    const info = await container.inspect();
    const host = info.NetworkSettings.Networks['platform-builds']?.IPAddress;
    if (!host) throw new Error('the index container has no address on platform-builds');
    return { url: `http://${host}:8080`, host, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
