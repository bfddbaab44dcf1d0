// Turns routes.txt into generated/routes.js, as schema and client generators (prisma, graphql codegen) do.
const fs = require('node:fs');
const path = require('node:path');

const routes = {};
for (const line of fs.readFileSync(path.join(__dirname, 'routes.txt'), 'utf8').split('\n')) {
  const [route, ...words] = line.trim().split(' ');
  if (route) routes[route] = words.join(' ');
}
fs.mkdirSync(path.join(__dirname, 'generated'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'generated', 'routes.js'), `module.exports = ${JSON.stringify(routes, null, 2)};\n`);
console.log(`generated ${Object.keys(routes).length} routes`);
