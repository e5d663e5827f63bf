/** The baseline: bare express 5 with a no-op JSON POST endpoint, in its own process like the service. */
import express from 'express';

const app = express();
app.use(express.json());
app.post('/noop', (_req, res) => {
  res.json({ ok: true });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, pid: process.pid }) + '\n');
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
