// The sentinel executable: the real process's stdio and clock around runSentinel.
import type { CommandIo } from './command-io.js';
import { runSentinel } from './run.js';

const io: CommandIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  stdin: process.stdin,
  clock: () => Date.now(),
};
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // A closed pipe (`sentinel log | head`) is not an error worth a stack trace.
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
// exitCode rather than exit(): let piped stdout drain before the process ends.
process.exitCode = await runSentinel(process.argv.slice(2), io);
