export const DEFAULT_ORCHESTRATOR_ADDR = 'unix:///tmp/baaaht-grpc.sock';

export const TASK_USAGE = `Usage:
  task [--orchestrator-addr ADDR] run TOOL [--mount DIR] [--writable] [--param KEY=VALUE ...]
                                          [--timeout DURATION] [--worker NAME_OR_ID] [--json] [--detach]
  task [--orchestrator-addr ADDR] get TASK_ID [--json]
  task [--orchestrator-addr ADDR] workers [--json]
  task [--orchestrator-addr ADDR] cancel TASK_ID [--force]

  --orchestrator-addr  unix:///abs/path, unix:/abs/path or host:port
                       (default: $ORCHESTRATOR_URL, else ${DEFAULT_ORCHESTRATOR_ADDR})
  --ca-cert FILE       host:port only: connect over TLS, verifying the orchestrator with this CA (PEM)
  --cert FILE, --key FILE
                       client certificate and its key (PEM), for an orchestrator that requires them
  --tls-server-name NAME
                       the name the orchestrator's certificate carries, when not the address's host
  --insecure           host:port only: plaintext TCP, for testing only (prints a warning);
                       a host:port address needs TLS or --insecure
  --mount DIR          host directory mounted at /workspace (resolved to an absolute path)
  --writable           mount it read-write
  --param KEY=VALUE    a tool parameter; KEY=@FILE reads the value from FILE as bytes,
                       KEY=@@text passes the literal "@text"
  --timeout DURATION   e.g. 30s or 5m (default: the tool's own timeout)
  --worker NAME_OR_ID  run on this worker only
  --json               print one JSON object (run, get) or array (workers)
  --detach             submit, print the task id and exit 0; the task goes on (task get, task cancel)
  --force              cancel without the grace period

Exit status of run: the tool's exit code when it completed, 124 timeout, 130 cancelled,
125 the task failed to run (or the orchestrator could not be reached), 126 usage error.
get: as run for a finished task, 0 while it is queued or running (see "state"), 1 when the
task is unknown or its result is no longer retained. get --json prints what run --json prints;
for an unfinished task the result's fields are null.
`;
