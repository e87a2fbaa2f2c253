import type Dockerode from 'dockerode';
import { LABELS } from '../pkg/runtime/index.js';

/**
 * Removes every container (any state) whose worker-id label starts with `workerIdPrefix`: the
 * bench's own floor, CLI and worker containers. Other people's containers are never touched.
 * Returns how many were removed.
 */
export async function removeBenchContainers(docker: Dockerode, workerIdPrefix: string): Promise<number> {
  const listed = await docker.listContainers({ all: true, filters: { label: [LABELS.workerId] } });
  const ours = listed.filter((info) => (info.Labels[LABELS.workerId] ?? '').startsWith(workerIdPrefix));
  await Promise.all(
    ours.map((info) =>
      docker
        .getContainer(info.Id)
        .remove({ force: true, v: true, abortSignal: AbortSignal.timeout(30_000) } as object)
        .catch((error: unknown) => {
          if ((error as { statusCode?: number }).statusCode !== 404) throw error;
        }),
    ),
  );
  return ours.length;
}
