import { InvalidValueError, showValue } from './invalid-value-error.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** The path of the Docker engine's Unix socket, given as `/path` or `unix:///path`. */
export function parseDockerSocket(raw: unknown): string {
  const path = typeof raw === 'string' && raw.startsWith('unix://') ? raw.slice('unix://'.length) : raw;
  if (typeof path !== 'string' || !path.startsWith('/') || path.length < 2 || /[\s\u0000]/.test(path)) {
    throw new InvalidValueError(`${showValue(raw)} is not a Unix socket path (e.g. ${DEFAULT_DOCKER_SOCKET})`);
  }
  return path;
}

/** The socket named by DOCKER_HOST when it is a `unix://` address, else the usual path. */
export function defaultDockerSocket(dockerHost: string | undefined): string {
  if (dockerHost === undefined || !dockerHost.startsWith('unix://')) return DEFAULT_DOCKER_SOCKET;
  try {
    return parseDockerSocket(dockerHost);
  } catch {
    return DEFAULT_DOCKER_SOCKET;
  }
}
