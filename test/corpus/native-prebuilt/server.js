const http = require('node:http');
const path = require('node:path');
const nodeGypBuild = require('node-gyp-build');
const { mask } = require('bufferutil');

// The .node file node-gyp-build picks for this platform: proves the native code (not a JS fallback) loaded.
const addon = path.basename(nodeGypBuild.resolve(path.dirname(require.resolve('bufferutil'))));

const out = Buffer.alloc(4);
mask(Buffer.from([1, 2, 3, 4]), Buffer.from([255, 255, 255, 255]), out, 0, 4);

http
  .createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'native-prebuilt', addon, masked: [...out] }));
  })
  .listen(process.env.PORT);
