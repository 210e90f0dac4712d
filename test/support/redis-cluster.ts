import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeFixedPort } from './free-port';

const run = promisify(execFile);

/** One `redis-server` process of a test cluster. */
export interface ClusterNode {
  port: number;
  /** `true` while the process runs (it is false after `failover` killed it). */
  alive: boolean;
}

/** A throwaway Redis Cluster on loopback ports, owned by one test file. */
export interface RedisCluster {
  /** Every node, masters and replicas, as started. */
  nodes: ClusterNode[];
  /** `{ host, port }` of every running node: startup nodes for an ioredis `Cluster`. */
  startupNodes(): Array<{ host: string; port: number }>;
  /** Ports of the current masters, according to the cluster itself. */
  masters(): Promise<number[]>;
  /** Port of the master that owns the slot of `key`. */
  masterOf(key: string): Promise<number>;
  /**
   * Kills the master on `masterPort` (SIGKILL of its PID only: a crash, not a
   * shutdown) and resolves once one of its replicas has been promoted and
   * every running node reports `cluster_state:ok`. Resolves to the new master's port.
   */
  failover(masterPort: number): Promise<number>;
  /**
   * Starts a node that `failover` killed again, from its own cluster config:
   * it rejoins as a replica of the master that replaced it. Resolves once it
   * replicates and every node reports `cluster_state:ok`.
   */
  revive(port: number): Promise<void>;
  /**
   * Stops every running node (SIGTERM of each PID): the whole cluster is
   * down, as in a data-centre outage. `startAll` brings it back.
   */
  stopAll(): Promise<void>;
  /**
   * Starts every stopped node again on its port, from its own cluster config
   * (same node ids, same slots), and resolves once every node reports
   * `cluster_state:ok` and knows every other one. Without persistence the data is gone.
   */
  startAll(): Promise<void>;
  /** Kills every process this cluster started (by PID) and removes their directories. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartRedisClusterOptions {
  /** Masters; each gets `replicasPerMaster` replicas. Default 3. */
  masters?: number;
  /** Default 1. */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout` in ms: how long a master may be silent before the
   * others mark it failed and its replica takes over. Redis's default is
   * 15 000; tests use 1 000 so a failover completes in a couple of seconds.
   */
  nodeTimeoutMs?: number;
}

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 15_000;
const FAILOVER_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
// The cluster bus listens on port + 10000, which must be a valid, free port too.
const BUS_OFFSET = 10_000;

const MISSING =
  'redis-server and redis-cli are needed for the Redis Cluster tests; install them (apt-get install -y redis-server, which brings redis-tools)';

interface Process {
  node: ClusterNode;
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * Starts a real Redis Cluster: `masters × (1 + replicasPerMaster)` nodes of
 * `redis-server --cluster-enabled yes`, no persistence, each in its own
 * temporary directory, joined with `redis-cli --cluster create`. Resolves once
 * every node reports `cluster_state:ok` and knows every other node. Throws
 * (never skips) when redis-server or redis-cli is missing.
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const nodeTimeout = options.nodeTimeoutMs ?? 1_000;
  const size = masters * (1 + replicas);
  const root = await mkdtemp(join(tmpdir(), 'qr-login-redis-cluster-'));
  const processes: Process[] = [];
  const stop = async () => {
    await Promise.all(processes.splice(0).map((p) => terminate(p)));
    await rm(root, { recursive: true, force: true });
  };
  try {
    const ports = await freePorts(size);
    for (const port of ports) processes.push(await launch(root, port, nodeTimeout));
    await redisCli([
      '--cluster',
      'create',
      ...ports.map((port) => `${HOST}:${port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await until(
      async () => (await clusterSettled(ports, size)) && (await replicasInSync(ports)),
      START_TIMEOUT_MS,
      'the new cluster to report cluster_state:ok on every node, with every replica in sync',
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const running = () => processes.filter((p) => p.node.alive);
  const cluster: RedisCluster = {
    nodes: processes.map((p) => p.node),
    startupNodes: () => running().map((p) => ({ host: HOST, port: p.node.port })),
    masters: async () =>
      (await clusterNodes(running()[0].node.port)).filter((n) => n.master && !n.failed).map((n) => n.port),
    masterOf: async (key) => {
      const slot = Number((await redisCli(['-p', String(running()[0].node.port), 'CLUSTER', 'KEYSLOT', key])).trim());
      const table = await clusterNodes(running()[0].node.port);
      const owner = table.find(
        (n) => n.master && !n.failed && n.slots.some(([from, to]) => slot >= from && slot <= to),
      );
      if (!owner) throw new Error(`No master owns slot ${slot} of ${key}.`);
      return owner.port;
    },
    failover: async (masterPort) => {
      const victim = processes.find((p) => p.node.port === masterPort && p.node.alive);
      if (!victim) throw new Error(`No running node on port ${masterPort}.`);
      const table = await clusterNodes(masterPort);
      const me = table.find((n) => n.port === masterPort);
      if (!me?.master) throw new Error(`Node ${masterPort} is not a master.`);
      const replicaPorts = table.filter((n) => n.masterId === me.id).map((n) => n.port);
      if (replicaPorts.length === 0) throw new Error(`Master ${masterPort} has no replica to promote.`);

      victim.node.alive = false;
      await terminate(victim, 'SIGKILL');
      let promoted = 0;
      await until(
        async () => {
          for (const port of replicaPorts) {
            const role = await redisCli(['-p', String(port), 'ROLE']).catch(() => '');
            if (role.startsWith('master')) promoted = port;
          }
          return (
            promoted !== 0 &&
            (await clusterSettled(
              running().map((p) => p.node.port),
              undefined,
            ))
          );
        },
        FAILOVER_TIMEOUT_MS,
        `a replica of ${masterPort} to be promoted`,
      );
      return promoted;
    },
    revive: async (port) => {
      const index = processes.findIndex((p) => p.node.port === port);
      if (index < 0 || processes[index].node.alive) throw new Error(`No stopped node on port ${port}.`);
      const node = processes[index].node;
      const revived = await launch(root, port, nodeTimeout);
      revived.node = node;
      node.alive = true;
      processes[index] = revived;
      await until(
        async () => {
          const info = await redisCli(['-p', String(port), 'INFO', 'replication']).catch(() => '');
          return (
            info.includes('role:slave') &&
            (await replicasInSync([port])) &&
            (await clusterSettled(
              running().map((p) => p.node.port),
              size,
            ))
          );
        },
        FAILOVER_TIMEOUT_MS,
        `node ${port} to rejoin as a replica`,
      );
    },
    stopAll: async () => {
      await Promise.all(running().map((p) => terminate(p)));
    },
    startAll: async () => {
      for (const [index, stopped] of processes.entries()) {
        if (stopped.node.alive) continue;
        const restarted = await launch(root, stopped.node.port, nodeTimeout);
        restarted.node = stopped.node;
        stopped.node.alive = true;
        processes[index] = restarted;
      }
      await until(
        async () =>
          clusterSettled(
            processes.map((p) => p.node.port),
            size,
          ),
        START_TIMEOUT_MS,
        'the restarted cluster to report cluster_state:ok on every node',
      );
    },
    stop,
  };
  return cluster;
}

async function launch(root: string, port: number, nodeTimeout: number): Promise<Process> {
  const dir = join(root, String(port));
  await run('mkdir', ['-p', dir]);
  const child = spawn(
    process.env.REDIS_SERVER_BIN ?? 'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(nodeTimeout),
      // A replica may take over however long it was cut off: tests kill masters at will.
      '--cluster-replica-validity-factor',
      '0',
      // Replicas copy their master's data at once instead of after Redis's default 5 s: until then a failover loses it.
      '--repl-diskless-sync-delay',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < 8_000) output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // If the test runner dies first, the node must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let spawnError: NodeJS.ErrnoException | undefined;
  let exitedEarly = false;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
      resolve();
    });
    child.once('exit', () => resolve());
  }).finally(() => {
    exitedEarly = true;
    process.removeListener('exit', killOnExit);
  });
  const started: Process = { node: { port, alive: true }, child, exited };
  await until(
    async () => {
      if (spawnError?.code === 'ENOENT') throw new Error(MISSING);
      if (exitedEarly)
        throw new Error(`redis-server exited during start on port ${port}: ${spawnError?.message ?? output.trim()}`);
      return (await redisCli(['-p', String(port), 'PING']).catch(() => '')).trim() === 'PONG';
    },
    START_TIMEOUT_MS,
    `redis-server on port ${port} to answer PING`,
  ).catch(async (error) => {
    await terminate(started);
    throw error;
  });
  return started;
}

async function terminate(running: Process, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const { child } = running;
  running.node.alive = false;
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    child.kill(signal);
    const grace = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await running.exited;
    clearTimeout(grace);
  }
}

async function redisCli(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.env.REDIS_CLI_BIN ?? 'redis-cli', ['-h', HOST, ...args], { timeout: 10_000 });
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(MISSING, { cause: error });
    throw error;
  }
}

interface NodeLine {
  id: string;
  port: number;
  master: boolean;
  failed: boolean;
  masterId?: string;
  slots: Array<[number, number]>;
}

/** `CLUSTER NODES` as seen by the node on `port`. */
async function clusterNodes(port: number): Promise<NodeLine[]> {
  const text = await redisCli(['-p', String(port), 'CLUSTER', 'NODES']);
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, address, flags, masterId, , , , , ...slots] = line.trim().split(' ');
      return {
        id,
        port: Number(address.split('@')[0].split(':').at(-1)),
        master: flags.split(',').includes('master'),
        failed: /fail/.test(flags),
        masterId: masterId === '-' ? undefined : masterId,
        slots: slots
          .filter((range) => !range.startsWith('['))
          .map((range) => {
            const [from, to] = range.split('-').map(Number);
            return [from, to ?? from] as [number, number];
          }),
      };
    });
}

/** Every node answers `cluster_state:ok` (and, when `known` is given, knows that many nodes). */
async function clusterSettled(ports: number[], known: number | undefined): Promise<boolean> {
  for (const port of ports) {
    const info = await redisCli(['-p', String(port), 'CLUSTER', 'INFO']).catch(() => '');
    if (!info.includes('cluster_state:ok')) return false;
    if (known !== undefined && !info.includes(`cluster_known_nodes:${known}`)) return false;
  }
  return true;
}

/** Every replica among `ports` has a live replication link to its master (its data is a copy, not empty). */
async function replicasInSync(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const info = await redisCli(['-p', String(port), 'INFO', 'replication']).catch(() => '');
    if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
  }
  return true;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `count` distinct free ports below the ephemeral range whose cluster bus port (port + 10000) is free as well. */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freeFixedPort([0, BUS_OFFSET]);
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}
