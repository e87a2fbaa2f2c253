export const DEFAULT_ORCHESTRATOR_ADDR = 'unix:///tmp/baaaht-grpc.sock';

export const TASK_USAGE = `Usage:
  task [--orchestrator-addr ADDR] run TOOL [--mount DIR] [--writable] [--param KEY=VALUE ...]
                                          [--timeout DURATION] [--worker NAME_OR_ID] [--group GROUP]
                                          [--label KEY=VALUE ...] [--json] [--detach]
  task [--orchestrator-addr ADDR] get TASK_ID [--json]
  task [--orchestrator-addr ADDR] workers [--json]
  task [--orchestrator-addr ADDR] watch [--interval DURATION] [--once]
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
  --token-file FILE    send the client token in FILE (one line) as "authorization: Bearer ...",
                       for an orchestrator with --client-tokens (default: $BAAAHT_TOKEN_FILE,
                       else the token in $BAAAHT_TOKEN; there is no flag taking the token itself)
  --mount DIR          host directory mounted at /workspace (resolved to an absolute path)
  --writable           mount it read-write
  --param KEY=VALUE    a tool parameter; KEY=@FILE reads the value from FILE as bytes,
                       KEY=@@text passes the literal "@text"
  --timeout DURATION   e.g. 30s or 5m (default: the tool's own timeout)
  --worker NAME_OR_ID  run on this worker only
  --group GROUP        run only on a worker of this group (lower-case letters, digits, . _ -)
  --label KEY=VALUE    run only on a worker carrying this label: one of its own (--label of the
                       worker) or a platform one (platform.os=linux, platform.arch=arm64,
                       platform.runtime.runsc=true, platform.tool.grep=true); repeatable, and
                       KEY=VALUE,KEY2=VALUE2 gives several. No matching worker: error NO_WORKER
  --json               print one JSON object (run, get) or array (workers); run --json shows
                       no progress line and no colour
  --detach             submit, print the task id and exit 0; the task goes on (task get, task cancel)
  --force              cancel without the grace period
  --interval DURATION  watch: time between polls, 100ms to 60m (default: 1s)
  --once               watch: print one snapshot and exit

run prints the task's output as it comes (stdout to stdout, stderr to stderr), then on stderr
the task's error, if any, and one line naming its state and the worker that ran it. On a terminal
(stderr, without --json) a progress line shows the state, worker, elapsed time and output so far;
it is erased before output and the result, and never shown when stderr is not a terminal.
States are coloured on a terminal; NO_COLOR=1 turns colour off, FORCE_COLOR=1 on.

watch polls the orchestrator's workers and tasks (open ones, and the recently finished). On a
terminal it redraws one screen: workers (name, group, state, running/slots, heartbeat age, own
labels) and tasks (id, tool, state, worker, attempt, age: since submitted, or since it finished).
Otherwise it prints one timestamped line per change (a worker joins, leaves or changes state, a
task changes state), to follow in a log. A lost connection shows "reconnecting..." and watching
goes on; Ctrl-C ends it (exit 0). An orchestrator that cannot be reached at the start: exit 125.

Exit status of run: the tool's exit code when it completed, 124 timeout, 130 cancelled,
125 the task failed to run (or the orchestrator could not be reached), 126 usage error.
get: as run for a finished task, 0 while it is queued or running (see "state"), 1 when the
task is unknown or its result is no longer retained. get --json prints what run --json prints;
for an unfinished task the result's fields are null.
`;
