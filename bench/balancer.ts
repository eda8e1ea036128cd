// A tiny loopback load balancer for the central service: a TCP proxy on
// 127.0.0.1 that hands each new connection to the next service process in
// turn (round robin) and then only copies bytes both ways. It knows nothing
// of HTTP: a kiosk's keep-alive connection stays with the process it was
// given, as behind any layer-4 balancer. A process that refuses the
// connection is skipped for the next one. Used in-process by the tests
// (startBalancer) and as its own process by the central benchmark:
//
//   node dist/bench/balancer.js [--port N] http://127.0.0.1:A/ http://127.0.0.1:B/
//
// prints {"event":"listening","url":…} and, on SIGINT or SIGTERM, the
// connections each upstream was given.
import * as net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Upstream {
  host: string;
  port: number;
}

export interface Balancer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  upstreams: readonly Upstream[];
  /** Connections handed to each upstream, in the order of `upstreams`. */
  readonly connections: number[];
  close(): Promise<void>;
}

/** An upstream from a service URL (http://127.0.0.1:PORT/) or HOST:PORT; loopback only. */
export function upstreamOf(text: string): Upstream {
  const url = /^[a-z]+:\/\//i.test(text) ? new URL(text) : new URL(`tcp://${text}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no port in upstream "${text}"`);
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') throw new Error(`the balancer forwards to loopback only, not ${host}`);
  return { host, port };
}

/** Starts the balancer on 127.0.0.1 (port 0: any free one) in front of `upstreams`. */
export async function startBalancer(upstreams: readonly (Upstream | string)[], opts: { port?: number } = {}): Promise<Balancer> {
  const targets = upstreams.map((u) => (typeof u === 'string' ? upstreamOf(u) : u));
  if (targets.length === 0) throw new Error('the balancer needs at least one upstream');
  const connections = targets.map(() => 0);
  const sockets = new Set<Socket>();
  let next = 0;
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    client.setNoDelay(true);
    client.on('error', () => undefined);
    const first = next;
    next = (next + 1) % targets.length;
    // Try each upstream once, starting with this connection's turn.
    const attempt = (tried: number): void => {
      if (client.destroyed) return;
      if (tried === targets.length) return void client.destroy();
      const index = (first + tried) % targets.length;
      const target = targets[index]!;
      const upstream = net.connect({ host: target.host, port: target.port });
      track(upstream);
      upstream.setNoDelay(true);
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        connections[index]!++;
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.on('error', () => {
        if (!connected) attempt(tried + 1);
      });
      upstream.on('close', () => {
        if (connected) client.destroy();
      });
      client.once('close', () => upstream.destroy());
    };
    attempt(0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    upstreams: targets,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

async function main(argv: string[]): Promise<void> {
  let port = 0;
  const upstreams: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') port = Number(argv[++i]);
    else upstreams.push(argv[i]!);
  }
  const balancer = await startBalancer(upstreams, { port });
  process.stdout.write(JSON.stringify({ event: 'listening', url: balancer.url, upstreams: balancer.upstreams }) + '\n');
  const stop = (signal: string): void => {
    process.stdout.write(JSON.stringify({ event: 'stopped', signal, connections: balancer.connections }) + '\n');
    void balancer.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`balancer: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
