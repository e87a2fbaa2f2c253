import { isTokenText } from '../config/parse-client-tokens.js';
import { TOKEN_ENV, type TokenSource } from './parse-task-args.js';
import { UsageError } from './usage-error.js';

/**
 * The client token to send, from where the command line said (parse-task-args.ts): a file's
 * content without its final line break, or $BAAAHT_TOKEN. Undefined when none is given.
 * Throws UsageError when the file cannot be read or the token is malformed.
 */
export async function readClientToken(
  source: TokenSource,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => Promise<Uint8Array>,
): Promise<string | undefined> {
  let token: string;
  let from: string;
  switch (source.kind) {
    case 'none':
      return undefined;
    case 'env':
      token = env[TOKEN_ENV] ?? '';
      from = `$${TOKEN_ENV}`;
      break;
    case 'file':
      from = `--token-file ${source.path}`;
      try {
        token = Buffer.from(await readFile(source.path)).toString('utf8').replace(/\r?\n$/, '');
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        throw new UsageError(`${from} cannot be read${typeof code === 'string' ? ` (${code})` : ''}`);
      }
      break;
  }
  if (!isTokenText(token)) throw new UsageError(`${from}: a client token is at least 16 printable characters on one line`);
  return token;
}
