import { describeRouterContract } from '../../../test/contracts/router.contract.ts';
import { createNodeRouter } from '../src/index.ts';

describeRouterContract('node', async (options) => {
  const router = createNodeRouter(options);
  const { port } = await router.listen(0, '127.0.0.1');
  const { port: tlsPort } = await router.listenTls(0, '127.0.0.1');
  return { router, port, tlsPort, close: () => router.close() };
});
