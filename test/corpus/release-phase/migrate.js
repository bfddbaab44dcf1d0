// The release phase: applies the migrations not yet recorded in the store (a directory standing in for a
// database, given as config like DATABASE_URL would be), before the new release takes traffic.
const fs = require('node:fs');
const path = require('node:path');

const store = process.env.MIGRATION_STORE;
if (!store) {
  console.error('MIGRATION_STORE is not set');
  process.exit(1);
}
const ledger = path.join(store, 'applied.json');
const applied = fs.existsSync(ledger) ? JSON.parse(fs.readFileSync(ledger, 'utf8')) : [];
for (const name of ['001_create_users', '002_add_email_to_users']) {
  if (applied.includes(name)) continue;
  applied.push(name);
  console.log(`applied migration ${name}`);
}
fs.writeFileSync(ledger, JSON.stringify(applied));
console.log(`migrations done on ${process.env.DYNO}`);
