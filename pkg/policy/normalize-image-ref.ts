import { PolicyError } from './policy-error.js';

export interface ImageRef {
  /** Registry host and repository path, e.g. `docker.io/library/alpine`. */
  readonly name: string;
  /** The tag; `latest` when the reference has neither tag nor digest; undefined for a digest-only reference. */
  readonly tag: string | undefined;
  /** `sha256:<64 hex>` when pinned. */
  readonly digest: string | undefined;
  /** `name[:tag][@digest]`: equal for references Docker treats as the same image. */
  readonly canonical: string;
}

const DEFAULT_DOMAIN = 'docker.io';
const MAX_NAME_LENGTH = 255;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * Normalizes an image reference with Docker's rules: `alpine` → `docker.io/library/alpine:latest`,
 * `user/app:1` → `docker.io/user/app:1`, `index.docker.io/…` → `docker.io/…`; a first component
 * with `.` or `:`, or `localhost`, is a registry host (lower-cased, port kept). Repository paths
 * must be lower case (Docker refuses others); digests must be `sha256:<64 hex>`.
 * Throws PolicyError for anything else.
 */
export function normalizeImageRef(ref: string): ImageRef {
  const parsed = parseReference(ref);
  const tag = parsed.tag ?? (parsed.digest === undefined ? 'latest' : undefined);
  return { name: parsed.name, tag, digest: parsed.digest, canonical: formatRef(parsed.name, tag, parsed.digest) };
}

/**
 * Normalizes an allow/deny list entry. Unlike normalizeImageRef, a missing tag stays missing
 * (the entry then matches every tag), and `registry/path/*` matches every repository below.
 */
export function normalizeImagePattern(pattern: string): string {
  if (pattern.endsWith('/*')) {
    const prefix = pattern.slice(0, -2);
    // Two placeholder components make the prefix parse with Docker's defaults, without `library/`.
    const { name } = parseReference(`${prefix}/x/y`);
    return `${name.slice(0, -4)}/*`;
  }
  const parsed = parseReference(pattern);
  return formatRef(parsed.name, parsed.tag, parsed.digest);
}

/** Whether an image matches a pattern made by normalizeImagePattern. */
export function imageMatchesPattern(image: ImageRef, pattern: string): boolean {
  if (pattern.endsWith('/*')) return image.name.startsWith(pattern.slice(0, -1));
  const wanted = parseReference(pattern);
  if (wanted.name !== image.name) return false;
  if (wanted.tag !== undefined && wanted.tag !== image.tag) return false;
  if (wanted.digest !== undefined && wanted.digest !== image.digest) return false;
  return true;
}

interface ParsedRef {
  readonly name: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

function parseReference(ref: string): ParsedRef {
  const invalid = (why: string): never => {
    throw new PolicyError(`${JSON.stringify(ref)} is not a valid image reference: ${why}`);
  };
  if (typeof ref !== 'string' || ref === '') return invalid('it is empty');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) invalid('a digest is sha256: followed by 64 lower-case hex digits');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) invalid(`bad tag ${JSON.stringify(tag)}`);
  }
  const components = rest.split('/');
  let domain = DEFAULT_DOMAIN;
  const first = components[0] ?? '';
  if (components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!DOMAIN.test(first)) invalid(`bad registry host ${JSON.stringify(first)}`);
    domain = first.toLowerCase();
    components.shift();
    if (domain === 'index.docker.io' || domain === 'registry-1.docker.io') domain = DEFAULT_DOMAIN;
  }
  for (const component of components) {
    if (!PATH_COMPONENT.test(component)) {
      invalid(
        component === '' ? 'empty path component' : /[A-Z]/.test(component) ? 'repository names must be lower case' : `bad path component ${JSON.stringify(component)}`,
      );
    }
  }
  if (domain === DEFAULT_DOMAIN && components.length === 1) components.unshift('library');
  const name = `${domain}/${components.join('/')}`;
  if (name.length > MAX_NAME_LENGTH) invalid(`the name is longer than ${MAX_NAME_LENGTH} characters`);
  return { name, tag, digest };
}

function formatRef(name: string, tag: string | undefined, digest: string | undefined): string {
  return `${name}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
}
