import { lookup as dnsLookup } from 'node:dns/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log/index.js';
import type { EgressRules } from '../policy/policy.js';
import { checkTarget, type CheckTargetDeps, type EgressTarget, type TargetVerdict } from './check-target.js';
import { createHostAddresses } from './host-addresses.js';
import { networkContains, parseCidr, parseIp } from './ip-address.js';

export interface EgressProxyOptions {
  /** Address to listen on: the gateway of the web tools' internal network. */
  readonly host: string;
  /** 0 (default): any free port. */
  readonly port?: number;
  /** Read for every request, so that a policy reload applies at once. */
  readonly rules: () => EgressRules;
  /** Only clients in this network are served (the internal network's subnet); any client when unset. */
  readonly clientNetwork?: string;
  /** Bytes one connection may bring back from the target (headers, body, TLS records); then it is cut. */
  readonly maxResponseBytes: number;
  /** A connection that moves no byte for this long is closed. */
  readonly idleTimeoutMs: number;
  /** A connection older than this is closed. */
  readonly maxConnectionMs: number;
  readonly logger?: Logger;
  /** Name resolution and the host's addresses; real ones unless given (tests). */
  readonly deps?: Partial<CheckTargetDeps>;
}

/** A listening egress proxy. */
export interface EgressProxy {
  /** e.g. `http://172.18.0.1:41234`, for curl's `--proxy`. */
  readonly url: string;
  readonly port: number;
  /**
   * The reasons of the requests refused for one task, forgotten as they are taken. A task is told
   * apart by the user name of its proxy URL (`http://TOKEN:x@host:port`, sent by curl as
   * Proxy-Authorization), so that its result can say POLICY_DENIED and why.
   */
  takeRefusals(token: string): readonly string[];
  /**
   * Makes a task's token valid: the proxy serves only requests that carry the token of a running
   * task (anything else is answered 407), so that nothing but a task's own container, handed its
   * URL, can use it. The executor registers the token before the task's container starts...
   */
  registerToken(token: string): void;
  /** ...and drops it when the task ends (its refusals are forgotten with it). */
  dropToken(token: string): void;
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

/** Refusals kept per task token, and tokens kept at most (a task that never collects its own cannot grow the map). */
const MAX_REFUSALS_PER_TOKEN = 8;
const MAX_TOKENS = 1024;

/** The Proxy-Authenticate challenge of a 407. */
const CHALLENGE = 'Basic realm="baaaht-egress"';
const NO_TOKEN = 'a request through this proxy needs the token of a running task (Proxy-Authorization)';

/** The user name of a `Basic` Proxy-Authorization header, if any. */
function proxyUser(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]{1,200})$/.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : undefined;
}

/** Request headers that concern the hop to the proxy, not the target. */
const HOP_HEADERS = ['connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/**
 * Starts the web tools' forward proxy: absolute-form requests (`GET http://host/path`) for http,
 * CONNECT tunnels for https (TLS stays end to end). A request (or CONNECT) without the token of a
 * running task (see registerToken) is answered 407 before anything else. Every request, so every redirect hop, is
 * checked by checkTarget against the rules in force and then connected to the checked address;
 * a refusal answers 403 (502 for a name that does not resolve) with the reason as a text body
 * and is logged. Each connection is cut past maxResponseBytes, idleTimeoutMs or maxConnectionMs.
 */
export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const deps: CheckTargetDeps = {
    lookup: options.deps?.lookup ?? ((host) => dnsLookup(host, { all: true, verbatim: true })),
    hostAddresses: options.deps?.hostAddresses ?? createHostAddresses([options.host]),
  };
  const clients = options.clientNetwork === undefined ? undefined : parseCidr(options.clientNetwork);
  if (options.clientNetwork !== undefined && clients === undefined) throw new Error(`clientNetwork ${options.clientNetwork} is not a network`);
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const refusals = new Map<string, string[]>();
  const tokens = new Set<string>();
  /**
   * The token of a running task the request carries, or undefined. Trust: a task's token is
   * handed only to that task's container (in its proxy URL) and is valid only while it runs;
   * anyone else on the network (another container, a tool that leaked nothing) has none.
   */
  const liveToken = (req: IncomingMessage): string | undefined => {
    const token = proxyUser(req.headers['proxy-authorization']);
    return token !== undefined && tokens.has(token) ? token : undefined;
  };
  const unauthorized = (req: IncomingMessage, kind: string): void => {
    options.logger?.warn('egress refused: no valid task token', { kind, target: String(req.url).slice(0, 200), client: req.socket.remoteAddress });
  };
  const remember = (req: IncomingMessage, reason: string): void => {
    const token = liveToken(req);
    if (token === undefined) return;
    const list = refusals.get(token) ?? [];
    if (!refusals.has(token)) {
      if (refusals.size >= MAX_TOKENS) refusals.delete(refusals.keys().next().value as string);
      refusals.set(token, list);
    }
    if (list.length < MAX_REFUSALS_PER_TOKEN) list.push(reason);
  };
  const log = (verdict: TargetVerdict, target: EgressTarget, req: IncomingMessage, kind: string): void => {
    const client = req.socket.remoteAddress;
    if (verdict.allowed) options.logger?.debug('egress allowed', { kind, host: target.host, port: target.port, address: verdict.address, client });
    else {
      options.logger?.warn('egress refused', { kind, host: target.host, port: target.port, rule: verdict.rule, reason: verdict.reason, client });
      remember(req, `${target.host}:${target.port}: ${verdict.reason} (${verdict.rule})`);
    }
  };
  const clientAllowed = (socket: Socket): boolean => {
    if (clients === undefined) return true;
    const address = parseIp(socket.remoteAddress ?? '');
    return address !== undefined && networkContains(clients, address);
  };
  /** Cuts both sides once the connection is too old, idle too long, or has brought back too much. */
  const limit = (client: Duplex, upstream: Duplex, target: EgressTarget): ((bytes: number) => boolean) => {
    let received = 0;
    let done = false;
    const cut = (why: string): void => {
      options.logger?.warn('egress connection cut', { host: target.host, port: target.port, why });
      upstream.destroy();
      client.destroy();
    };
    const arm = (): NodeJS.Timeout => setTimeout(() => cut(`idle for ${options.idleTimeoutMs} ms`), options.idleTimeoutMs).unref();
    const total = setTimeout(() => cut(`open longer than ${options.maxConnectionMs} ms`), options.maxConnectionMs).unref();
    let idle = arm();
    const touch = (): void => {
      if (done) return;
      clearTimeout(idle);
      idle = arm();
    };
    const clear = (): void => {
      done = true;
      clearTimeout(total);
      clearTimeout(idle);
      client.off('data', touch);
      client.off('close', clear);
    };
    upstream.once('close', clear);
    client.once('close', clear);
    client.on('data', touch);
    return (bytes) => {
      touch();
      received += bytes;
      if (received <= options.maxResponseBytes) return true;
      cut(`more than ${options.maxResponseBytes} bytes`);
      return false;
    };
  };

  const server = createServer((req, res) => void forward(req, res));
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => void tunnel(req, client, head));
  server.on('connection', (socket: Socket) => {
    track(socket);
    if (!clientAllowed(socket)) {
      options.logger?.warn('egress proxy: client outside the web tools network refused', { client: socket.remoteAddress });
      socket.destroy();
    }
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (liveToken(req) === undefined) {
      unauthorized(req, 'http');
      refuse(res, 407, 'token', NO_TOKEN);
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      refuse(res, 400, 'request', 'this is a proxy: send absolute-form requests (GET http://host/path) or CONNECT host:port');
      return;
    }
    if (url.protocol !== 'http:') {
      refuse(res, 400, 'request', `${url.protocol} through a plain request: use CONNECT for https`);
      return;
    }
    const target = { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 80 : Number(url.port) };
    const verdict = await checkTarget(target, options.rules(), deps);
    log(verdict, target, req, 'http');
    if (!verdict.allowed) {
      refuse(res, verdict.status, verdict.rule, `refused ${target.host}:${target.port}: ${verdict.reason}`);
      return;
    }
    const upstream = httpRequest({
      host: verdict.address,
      family: verdict.family,
      port: target.port,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: { ...withoutHopHeaders(req.headers), host: url.host },
      setHost: false,
      agent: false,
    });
    upstream.on('socket', (socket) => {
      const count = limit(req.socket, socket, target);
      socket.on('data', (chunk: Buffer) => count(chunk.length));
    });
    upstream.on('response', (response) => {
      res.writeHead(response.statusCode ?? 502, response.statusMessage, withoutHopHeaders(response.headers));
      response.pipe(res);
      response.on('error', () => res.destroy());
    });
    upstream.on('error', (error) => {
      if (res.headersSent) res.destroy();
      else refuse(res, 502, 'connect', `cannot reach ${target.host}:${target.port} (${(error as { code?: string }).code ?? error.message})`);
    });
    req.pipe(upstream);
  }

  async function tunnel(req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    track(client);
    let upstream: Socket | undefined;
    client.on('error', () => upstream?.destroy());
    if (liveToken(req) === undefined) {
      unauthorized(req, 'connect');
      client.end(rawResponse(407, 'token', NO_TOKEN));
      return;
    }
    const target = parseAuthority(req.url ?? '');
    const verdict = target ? await checkTarget(target, options.rules(), deps) : undefined;
    if (target && verdict) log(verdict, target, req, 'connect');
    if (!target || !verdict?.allowed) {
      const status = verdict && !verdict.allowed ? verdict.status : 400;
      const body = verdict && !verdict.allowed ? `refused ${target?.host}:${target?.port}: ${verdict.reason}` : 'CONNECT needs host:port';
      client.end(rawResponse(status, verdict && !verdict.allowed ? verdict.rule : 'request', body));
      return;
    }
    const socket = connect({ host: verdict.address, port: target.port, family: verdict.family });
    upstream = socket;
    track(socket);
    const count = limit(client, socket, target);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) socket.write(head);
      socket.on('data', (chunk: Buffer) => {
        if (count(chunk.length)) client.write(chunk);
      });
      socket.once('end', () => client.end());
      client.pipe(socket);
    });
    socket.on('error', (error) => {
      if (!connected && client.writable) {
        client.end(rawResponse(502, 'connect', `cannot reach ${target.host}:${target.port} (${(error as { code?: string }).code ?? error.message})`));
      } else client.destroy();
    });
    client.once('close', () => socket.destroy());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref(); // a library executor must not keep its program alive
  const { port } = server.address() as { port: number };
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostPart}:${port}`,
    port,
    takeRefusals(token) {
      const list = refusals.get(token) ?? [];
      refusals.delete(token);
      return list;
    },
    registerToken(token) {
      tokens.add(token);
    },
    dropToken(token) {
      tokens.delete(token);
      refusals.delete(token);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function refuse(res: ServerResponse, status: number, rule: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `baaaht egress proxy: ${message}\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-baaaht-egress': rule,
    connection: 'close',
    ...(status === 407 ? { 'proxy-authenticate': CHALLENGE } : {}),
  });
  res.end(body);
}

function rawResponse(status: number, rule: string, message: string): string {
  const body = `baaaht egress proxy: ${message}\n`;
  const text = status === 403 ? 'Forbidden' : status === 407 ? 'Proxy Authentication Required' : status === 502 ? 'Bad Gateway' : 'Bad Request';
  const challenge = status === 407 ? `proxy-authenticate: ${CHALLENGE}\r\n` : '';
  return `HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain; charset=utf-8\r\nx-baaaht-egress: ${rule.replace(/[\r\n]/g, ' ')}\r\n${challenge}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/** `host:port` or `[v6]:port` of a CONNECT request; undefined when malformed. */
export function parseAuthority(authority: string): EgressTarget | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/@\s]+)):(\d{1,5})$/.exec(authority);
  if (!match) return undefined;
  return { host: (match[1] ?? match[2])!, port: Number(match[3]) };
}

function withoutHopHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  const named = new Set(HOP_HEADERS);
  for (const token of String(headers.connection ?? '').split(',')) if (token.trim() !== '') named.add(token.trim().toLowerCase());
  for (const [key, value] of Object.entries(headers)) if (!named.has(key)) out[key] = value;
  return out;
}
