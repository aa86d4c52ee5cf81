// `npm run dev:consumer [-- --port 8787 --consumer-port 8788 --persist-to DIR]`: the auth worker
// and the example consumer (examples/consumer) side by side, the consumer bound to the auth
// worker's AuthService entrypoint. The auth worker starts as `npm run dev` starts it (its
// migrations applied to the same local state it serves), the consumer once the auth worker is
// ready; wrangler's local dev registry connects the binding across the two `wrangler dev`s.
// Ctrl-C stops both; so does either one exiting.
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
/** Removes `--name value` / `--name=value` from args and returns the value. */
const take = (name, fallback) => {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return fallback;
  const value = args[i].includes('=') ? args[i].slice(name.length + 1) : args[i + 1];
  args.splice(i, args[i].includes('=') ? 1 : 2);
  return value;
};
const authPort = take('--port', '8787');
const consumerPort = take('--consumer-port', String(Number(authPort) + 1));

const children = [];
let stopping = false;
const stopAll = (code) => {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exitCode = code;
};
const start = (name, command, commandArgs) => {
  const child = spawn(command, commandArgs, { stdio: 'inherit' });
  child.on('exit', (code) => {
    if (!stopping) console.error(`dev:consumer: the ${name} exited (${code}); stopping both`);
    stopAll(code ?? 1);
  });
  children.push(child);
  return child;
};
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(0));

start('auth worker', 'node', [
  new URL('./dev.mjs', import.meta.url).pathname,
  '--port',
  authPort,
  ...args,
]);

// The consumer's binding resolves when the auth worker has registered: wait for it to answer.
const authUrl = `http://localhost:${authPort}`;
for (;;) {
  if (stopping) process.exit();
  try {
    if ((await fetch(`${authUrl}/health/ready`)).status === 200) break;
  } catch {
    // not listening yet
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}
start('consumer', 'wrangler', [
  'dev',
  '-c',
  new URL('../examples/consumer/wrangler.toml', import.meta.url).pathname,
  '--port',
  consumerPort,
  ...args.filter((a) => a.startsWith('--show-interactive-dev-session')),
]);
console.log(`dev:consumer: auth ${authUrl}, consumer http://localhost:${consumerPort}`);
