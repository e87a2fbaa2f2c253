import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { ConfigError } from './config-error.js';

/**
 * Reads a PEM file named by `option` (`--ca-cert`) once, and checks that it holds what it
 * should: certificates (`-----BEGIN CERTIFICATE-----`, the first one must parse) or one
 * unencrypted private key. Every failure is a ConfigError naming the option and the file.
 */
export function readPemFile(option: string, path: string, kind: 'certificate' | 'key'): Buffer {
  const fail = (why: string, cause?: unknown): never => {
    throw new ConfigError(`invalid value for ${option}: ${path} ${why}`, { option, cause });
  };
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(`cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`, error);
  }
  const text = data.toString('latin1');
  if (kind === 'certificate') {
    if (!text.includes('-----BEGIN CERTIFICATE-----')) fail('is not a PEM certificate file (no -----BEGIN CERTIFICATE-----)');
    try {
      new X509Certificate(data);
    } catch (error) {
      fail(`holds no readable certificate (${error instanceof Error ? error.message : String(error)})`, error);
    }
  } else {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) fail('is not a PEM private key file (no -----BEGIN ... PRIVATE KEY-----)');
    if (text.includes('ENCRYPTED')) fail('holds an encrypted private key; decrypt it (openssl pkey -in KEY -out PLAIN)');
    try {
      createPrivateKey(data);
    } catch (error) {
      fail(`holds no readable private key (${error instanceof Error ? error.message : String(error)})`, error);
    }
  }
  return data;
}

/** Checks that `key` (read for `keyOption`) is the private key of the first certificate in `cert`. */
export function checkKeyMatchesCertificate(cert: Buffer, key: Buffer, certOption: string, keyOption: string): void {
  let matches: boolean;
  try {
    const privateKey: KeyObject = createPrivateKey(key);
    matches = new X509Certificate(cert).checkPrivateKey(privateKey);
  } catch {
    matches = false;
  }
  if (!matches) {
    throw new ConfigError(`invalid value for ${keyOption}: the key is not the private key of the certificate in ${certOption}`, {
      option: keyOption,
    });
  }
}
