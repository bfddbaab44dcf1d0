/**
 * What each task of the node collection job runs (`python3 -c NODE_GC_SCRIPT`; the stack image has python3 but no
 * curl or docker CLI): it speaks the Engine API over the node's socket, mounted at /var/run/docker.sock.
 *
 * Input: the files /platform-gc/kept-*.json (Swarm configs), each `{ "<app id>": ["<build id>", …] }`, and
 * PLATFORM_GC_NOT_AFTER (unix seconds). An image labelled `platform.app-id` is removed when its app is in the
 * kept map, its `platform.build` is not among that app's kept builds, no container on the node (running or
 * stopped) uses it, and it was created no later than PLATFORM_GC_NOT_AFTER (a build the caller did not know yet).
 * Each of its references is deleted without force, so the engine still refuses an image a container took
 * meanwhile (409). Images of apps not in the map (another platform's) are never touched.
 *
 * Output: one JSON line, `{"nodeId", "node", "removed": [refs], "refused": [refs], "errors": [text]}`. It always
 * exits 0: Swarm runs a failed global-job task again even with restart condition `none`.
 */
export const NODE_GC_SCRIPT = String.raw`
import glob, http.client, json, os, socket, sys, urllib.parse

class Engine(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(120)
        self.sock.connect('/var/run/docker.sock')

def call(method, path):
    conn = Engine('localhost')
    try:
        conn.request(method, path)
        res = conn.getresponse()
        body = res.read()
        return res.status, (json.loads(body) if body[:1] in (b'{', b'[') else body.decode('utf-8', 'replace'))
    finally:
        conn.close()

out = {'nodeId': '', 'node': '', 'removed': [], 'refused': [], 'errors': []}
try:
    kept = {}
    for name in sorted(glob.glob('/platform-gc/kept-*.json')):
        with open(name) as f:
            for app, builds in json.load(f).items():
                kept.setdefault(app, set()).update(builds)
    not_after = int(os.environ['PLATFORM_GC_NOT_AFTER'])
    info = call('GET', '/info')[1]
    out['nodeId'] = (info.get('Swarm') or {}).get('NodeID', '')
    out['node'] = info.get('Name', '')
    used = set(c.get('ImageID') for c in call('GET', '/containers/json?all=1')[1])
    query = urllib.parse.quote(json.dumps({'label': ['platform.app-id']}))
    for image in call('GET', '/images/json?filters=' + query)[1]:
        labels = image.get('Labels') or {}
        app, build = labels.get('platform.app-id'), labels.get('platform.build')
        if app not in kept or build in kept[app] or image['Id'] in used or image.get('Created', 0) > not_after:
            continue
        tags = [t for t in image.get('RepoTags') or [] if t != '<none>:<none>']
        digests = [d for d in image.get('RepoDigests') or [] if not d.startswith('<none>')]
        for ref in tags or digests or [image['Id']]:
            status, body = call('DELETE', '/images/' + ref)
            if status == 200:
                out['removed'].append(ref)
            elif status == 409:
                out['refused'].append(ref)
                break
            elif status != 404:
                out['errors'].append('%s: %s %s' % (ref, status, str(body)[:200]))
except Exception as err:
    out['errors'].append(repr(err)[:500])
print(json.dumps(out), flush=True)
sys.exit(0)
`;
