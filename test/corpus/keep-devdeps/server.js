const http = require('node:http');

// semver is a devDependency: it is only here because the config asked to keep devDependencies.
let kept = false;
try {
  require.resolve('semver');
  kept = true;
} catch {}

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'keep-devdeps', devDependenciesKept: kept }));
  })
  .listen(process.env.PORT);
