import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The agent id an orchestrator gave this worker, and the resume token that proves it. */
export interface SavedAgentIdentity {
  readonly agentId: string;
  readonly resumeToken: string;
}

/**
 * The worker's agent id and resume token, kept across its restarts (`<workDir>/agent-identity.json`)
 * so that a new boot of the same worker resumes the same identity at Register (with a new
 * boot_id) and the orchestrator can release the old boot's leases at once instead of waiting out
 * the worker timeout.
 *
 * Security: the resume token is a bearer secret. Whoever reads it can resume this worker's agent
 * id, take over its leases and report results in its name (the worker key, when one is set, is
 * also needed for any call). So the file is written 0600 (temporary file, fsync, rename: never
 * seen half written, never with a wider mode), and only the worker's own user may read it. Its
 * directory is the work dir, created 0700 by create-worker.ts; an existing work dir keeps the mode
 * its operator gave it, which is why the file's own mode matters. A file that others may read or
 * write (someone widened its mode, or planted it) is not trusted: it is ignored and replaced. Root
 * can read it anyway, as it can read the worker's memory. It holds nothing else (no worker key).
 */
export class AgentIdentityFile {
  constructor(readonly path: string) {}

  /** The saved identity, if a usable one is there; undefined otherwise (never throws). */
  async load(): Promise<SavedAgentIdentity | undefined> {
    try {
      // The file itself is judged and read through one descriptor: never a link to elsewhere.
      const handle = await open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      let text: string;
      try {
        const info = await handle.stat();
        if (!info.isFile() || (info.mode & 0o077) !== 0 || (typeof process.getuid === 'function' && info.uid !== process.getuid())) return undefined;
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null) return undefined;
      const { agentId, resumeToken } = parsed as Record<string, unknown>;
      if (typeof agentId !== 'string' || typeof resumeToken !== 'string' || agentId === '' || resumeToken === '') return undefined;
      return { agentId, resumeToken };
    } catch {
      return undefined;
    }
  }

  /** Replaces the saved identity atomically (0600); undefined removes it. */
  async save(identity: SavedAgentIdentity | undefined): Promise<void> {
    if (identity === undefined) {
      await rm(this.path, { force: true });
      return;
    }
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = `${this.path}.tmp`;
    await rm(temp, { force: true }); // a leftover (or a planted link) is never written through
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify({ agentId: identity.agentId, resumeToken: identity.resumeToken }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.path);
    const directory = await open(dir, 'r').catch(() => undefined);
    await directory?.sync().catch(() => undefined);
    await directory?.close();
  }
}
