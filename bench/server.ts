/**
 * The service as the HTTP benchmark runs it: a separate process running the real application on
 * PostgreSQL (DATABASE_URL), durable group-committed audit, trusting the bench token issuer given in
 * NTK_BENCH_ISSUER ({ issuer, audience, jwk }). Prints {"port", "pid"} on stdout once listening; stops on SIGTERM.
 */
import { loadConfig } from '../src/config.ts';
import { buildService } from '../src/server.ts';
import { keyFromJwk } from '../src/identity/issuers.ts';

const bench = JSON.parse(process.env.NTK_BENCH_ISSUER ?? '{}');
const key = keyFromJwk(bench.jwk);
const config = loadConfig({ ...process.env, NTK_DEMO: '0' });
const service = await buildService(config, { issuers: [{ issuer: bench.issuer, audience: bench.audience, keys: new Map([[key.kid, key]]) }] });
const server = service.app.listen(config.port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : config.port, pid: process.pid }) + '\n');
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => {
  server.close(async () => {
    await service.close();
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => process.exit(1), 10_000).unref();
});
