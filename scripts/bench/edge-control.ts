/**
 * A stand-in for platformd's part in the data path, as a process of its own so the edge bench can stop it or
 * `kill -9` it under load: it drives router-haproxy exactly as apps/server's start/router.ts does (start: adopt
 * the running proxy or start one; set the app's route; receive the access log), prints `ready <adopted>`, and on
 * SIGTERM closes the driver (the proxy keeps serving) and prints the access-log lines it received.
 *
 *   node --import tsx scripts/bench/edge-control.ts <router dir> <listen port> <dyno port>
 */
import { createHaproxyRouter } from '@platform/router-haproxy';

const [dir, port, dynoPort] = process.argv.slice(2);
let lines = 0;
const router = createHaproxyRouter({ dir: dir!, domain: 'localhost', listen: { host: '127.0.0.1', port: Number(port) }, onLog: () => void lines++ });
const { adopted } = await router.start();
await router.setRoutes('bench', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: Number(dynoPort) } }]);
process.stdout.write(`ready ${adopted}\n`);
process.on('SIGTERM', () => {
  void router.close().then(() => {
    process.stdout.write(`lines ${lines}\n`);
    process.exit(0);
  });
});
