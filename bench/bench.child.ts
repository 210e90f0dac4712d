import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FromServer, ServerConfig, ToServer } from './bench.protocol';

/** A server child: its URL and a request/answer call over IPC. */
export interface ServerChild {
  url: string;
  pid: number;
  ask<T extends FromServer['type']>(
    message: ToServer,
    answer: T,
    timeoutMs?: number,
  ): Promise<Extract<FromServer, { type: T }>>;
  stop(): Promise<void>;
}

/** Starts `bench-server.js` with GC exposed, and waits until it listens. */
export async function startServer(config: ServerConfig, script = 'bench-server.js'): Promise<ServerChild> {
  const child: ChildProcess = fork(join(__dirname, script), [JSON.stringify(config)], {
    // BENCH_CPU_PROFILE=<dir> writes a V8 CPU profile of each server, for finding what to make faster.
    execArgv: [
      '--expose-gc',
      '--max-old-space-size=8192',
      ...(process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the benchmark server did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the benchmark server exited with ${code} before listening`)));
    child.on('message', (message: FromServer) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    ask(message, answer, timeoutMs = 600_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${answer} answer within ${timeoutMs} ms`)), timeoutMs);
        const onMessage = (reply: FromServer) => {
          if (reply.type !== answer) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(reply as any);
        };
        child.on('message', onMessage);
        child.send(message);
      });
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        // Closing the IPC channel asks the child to close its app and exit.
        child.disconnect();
      });
    },
  };
}
