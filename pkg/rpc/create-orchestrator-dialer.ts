import type { Channel } from 'nice-grpc';
import { createGrpcChannel, parseAddress, type GrpcChannelOptions } from './create-channel.js';
import { openTrustedSocket, type TrustedSocket } from './open-trusted-socket.js';
import type { SocketOwnerTrust } from './socket-owner-problem.js';

/** Makes the channel of each session with the orchestrator. */
export interface OrchestratorDialer {
  /**
   * The channel for a new session. A Unix socket is opened and its owner checked each time
   * (openTrustedSocket: throws UntrustedSocketError, or ENOENT when there is none), and a new
   * channel made to exactly that socket, the previous one closed; TCP keeps its one channel.
   */
  dial(): Channel;
  /**
   * The current channel while the socket's name still leads to the socket it was made for;
   * otherwise (first use, or the orchestrator made a new socket) a new one, as dial().
   */
  refresh(): Channel;
  /** The channel of the latest dial, if any. */
  readonly current: Channel | undefined;
  close(): void;
}

export interface OrchestratorDialerOptions extends GrpcChannelOptions {
  /** Who may own a Unix socket (this user and root always; --trust-socket-owner for more). */
  readonly trust: SocketOwnerTrust;
  /** For tests: how a socket is opened and checked. */
  readonly openSocket?: (path: string, trust: SocketOwnerTrust) => TrustedSocket;
}

/**
 * A dialer for `addr` (see parseAddress). Throws at once for an invalid address or TLS setting.
 * Each Unix dial checks the socket before the channel exists, so nothing (no worker key, no
 * client token) is sent to a socket whose owner is not trusted.
 */
export function createOrchestratorDialer(addr: string, options: OrchestratorDialerOptions): OrchestratorDialer {
  const address = parseAddress(addr);
  const { trust, openSocket = openTrustedSocket, ...channelOptions } = options;
  if (address.kind === 'tcp') {
    return fixedDialer(createGrpcChannel(addr, channelOptions));
  }
  if (options.tls !== undefined || options.insecure === true) {
    throw new Error(`TLS and insecure apply to TCP addresses only; ${addr} is a unix socket`);
  }
  let channel: Channel | undefined;
  let socket: TrustedSocket | undefined;
  const release = (): void => {
    channel?.close();
    socket?.close();
    channel = undefined;
    socket = undefined;
  };
  const use = (opened: TrustedSocket): Channel => {
    release();
    try {
      channel = createGrpcChannel(`unix://${opened.connectPath}`, channelOptions);
    } catch (error) {
      opened.close();
      throw error;
    }
    socket = opened;
    return channel;
  };
  return {
    dial: () => use(openSocket(address.path, trust)),
    refresh() {
      const opened = openSocket(address.path, trust);
      if (channel !== undefined && socket?.identity === opened.identity) {
        opened.close();
        return channel;
      }
      return use(opened);
    },
    get current() {
      return channel;
    },
    close: release,
  };
}

/** The trust of this process: its own uid (0 where there are no uids) and `extraUids`. */
export function processSocketTrust(extraUids: readonly number[] = []): SocketOwnerTrust {
  return { selfUid: process.getuid?.() ?? 0, extraUids };
}

/** A dialer that always gives `channel` (TCP, whose peer TLS authenticates; or a test's channel). */
export function fixedDialer(channel: Channel): OrchestratorDialer {
  return { dial: () => channel, refresh: () => channel, current: channel, close: () => channel.close() };
}
