"""A scripted AgentService orchestrator written from proto/agent/v1/agent.proto alone, in Python.

Part of #12's proof that the published contract is enough in a second language. It serves
AgentService on a Unix socket for one real bin/worker and plays a fixed scenario against it,
following docs/protocol.md as a third party would:

  1. Register: a new agent id, a resume token, a heartbeat interval, output_offsets true,
     protocol version min(2, the worker's) and this server's receive limit.
  2. TaskStream: the worker's `hello` (its token in x-baaaht-agent-token).
  3. Task A, file_read of --file under lease epoch 2, attempt 2: accepted, running, output,
     completed; acknowledged (ResultAck accepted, epoch 2).
  4. Task B, list of the workspace, epoch 1: completed; its ack is WITHHELD.
  5. Task C, the worker's `sleeper` tool for 60 s: once running, a cancel (epoch 1); the result
     is acknowledged. Then a cancel for a task the worker never had.
  6. Task D: a cancel first, then its assignment (a sleeper of 60 s). Version 2 ends it at once;
     otherwise it is cancelled again after a few seconds. Acknowledged. Task E names a session
     (Task.session_id), which version 2 refuses. Acknowledged.
  7. Reconnect: once a heartbeat lists only B's lease, the orchestrator ends the stream. The
     worker registers again with its agent id and token (resumed, same token) and resends B.
     B is acknowledged then.
  8. Reconnect again (once B's lease is gone from the heartbeats): nothing is resent.

It asserts nothing itself: every registration, heartbeat, stream message received and message
sent is printed on stdout as one JSON object per line, for the test to assert on. A step that waits
in vain prints {"event": "timeout"}; a required one then ends the scenario with
{"event": "scenario_failed"}, otherwise the last line of the scenario is {"event": "scenario_done"}.
The server keeps serving (heartbeats, the worker's Unregister) until SIGTERM or SIGINT. When the
worker half-closes a stream (it is stopping), the orchestrator ends that call.

  PYTHONPATH=build/python-peer /usr/bin/python3 test/conformance/python/orchestrator.py \
      --socket /tmp/x/agent.sock --workspace /tmp/ws --file hello.txt
"""

import argparse
import base64
import json
import queue
import secrets
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

from agent.v1 import agent_pb2, agent_pb2_grpc

PROTOCOL_VERSION = 2
TOKEN_METADATA = 'x-baaaht-agent-token'


class ScenarioFailed(Exception):
    pass


class Stopped(Exception):
    """SIGTERM or SIGINT."""


class Journal:
    """Everything seen and sent, in order: printed as JSON lines, and waited on by the scenario."""

    def __init__(self, out):
        self.out = out
        self.events = []
        self.changed = threading.Condition()  # an RLock: add() may be called while waiting
        self.started = time.monotonic()

    def add(self, event, **fields):
        with self.changed:
            entry = {'seq': len(self.events), 'at_ms': round((time.monotonic() - self.started) * 1000), 'event': event, **fields}
            self.events.append(entry)
            self.out.write(json.dumps(entry) + '\n')
            self.out.flush()
            self.changed.notify_all()
            return entry

    def wait_for(self, what, predicate, timeout, since=0, required=True):
        """The first event from `since` on that matches; None (and a `timeout` event) when none comes in time."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for entry in self.events[since:]:
                    if predicate(entry):
                        return entry
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.add('timeout', waiting_for=what, required=required)
                    if required:
                        raise ScenarioFailed(what)
                    return None
                self.changed.wait(remaining)

    @property
    def next_seq(self):
        with self.changed:
            return len(self.events)


def metadata_value(context, key):
    for name, value in context.invocation_metadata():
        if name == key:
            return value
    return None


def b64(data):
    return base64.b64encode(bytes(data)).decode()


def describe_worker_message(message):
    """A WorkerMessage as JSON-ready fields."""
    kind = message.WhichOneof('event')
    fields = {'kind': kind, 'task_id': message.task_id, 'lease_epoch': message.lease_epoch}
    if kind == 'hello':
        fields['agent_id'] = message.hello.agent_id
    elif kind == 'accepted':
        fields['queue_position'] = message.accepted.queue_position
    elif kind == 'running':
        running = message.running
        fields.update(container_id=running.container_id, runtime=running.runtime, profile=running.profile)
    elif kind == 'output':
        output = message.output
        fields.update(
            output_stream=agent_pb2.OutputStream.Name(output.stream),
            offset=output.offset if output.HasField('offset') else None,
            size=len(output.data),
            data_b64=b64(output.data),
        )
    elif kind == 'completed':
        result = message.completed
        fields.update(
            state=agent_pb2.TaskState.Name(result.state),
            cause=result.cause,
            exit_code=result.exit_code,
            error_code=result.error.code if result.HasField('error') else None,
            error_message=result.error.message if result.HasField('error') else None,
            output_included=result.output_included,
            stdout_b64=b64(result.stdout),
            stderr_b64=b64(result.stderr),
            attempt=result.attempt,
            worker=result.worker,
            runtime=result.runtime,
            profile=result.profile,
            retryable=result.retryable,
            duration_ms=result.duration_ms,
        )
    elif kind == 'cancel_reply':
        fields['outcome'] = agent_pb2.CancelOutcome.Name(message.cancel_reply.outcome)
    return fields


# Put in a stream's outbox: end the call (the orchestrator closes it; the worker half-closed it).
CLOSE = object()
HALF_CLOSED = object()


class Stream:
    """One TaskStream call: what the orchestrator sends on it goes through `outbox`."""

    def __init__(self, number, agent_id):
        self.number = number
        self.agent_id = agent_id
        self.outbox = queue.Queue()


class Orchestrator(agent_pb2_grpc.AgentServiceServicer):
    def __init__(self, journal, heartbeat_interval_ms, max_receive_message_bytes):
        self.journal = journal
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.max_receive_message_bytes = max_receive_message_bytes
        self.lock = threading.Lock()
        self.tokens = {}  # agent id -> resume token
        self.registrations = 0
        self.streams = {}  # number -> Stream

    def token_ok(self, agent_id, token):
        expected = self.tokens.get(agent_id)
        return expected is not None and token is not None and secrets.compare_digest(expected, token)

    # --- AgentService --------------------------------------------------------------------------

    def Register(self, request, context):
        with self.lock:
            self.registrations += 1
            number = self.registrations
            known = request.agent_id in self.tokens
            token_matches = known and self.token_ok(request.agent_id, request.resume_token)
            if known and token_matches:
                agent_id, resumed = request.agent_id, True
            elif known:
                agent_id = None
            else:
                # Unknown ids (and none) get a new registration.
                agent_id, resumed = f'py-agent-{number}-{secrets.token_hex(4)}', False
                self.tokens[agent_id] = secrets.token_urlsafe(32)
            token = self.tokens.get(agent_id) if agent_id else None
        seen = {
            'name': request.name,
            'hostname': request.hostname,
            'pid': request.pid,
            'version': request.version,
            'group': request.group,
            'boot_id': request.boot_id,
            'agent_id': request.agent_id,
            'resume_token_sent': request.resume_token != '',
            'resume_token_matches': token_matches,
            'protocol_version': request.protocol_version,
            'max_receive_message_bytes': request.max_receive_message_bytes,
            'tool_types': list(request.capabilities.tool_types),
            'max_concurrent_tasks': request.capabilities.max_concurrent_tasks,
        }
        if agent_id is None:
            self.journal.add('register', number=number, request=seen, refused='PERMISSION_DENIED')
            context.abort(grpc.StatusCode.PERMISSION_DENIED, 'this agent id is resumed only with its resume token')
        # Version 0 is a worker older than the field: version 1.
        version = min(PROTOCOL_VERSION, request.protocol_version or 1)
        response = agent_pb2.RegisterResponse(
            agent_id=agent_id,
            heartbeat_interval_ms=self.heartbeat_interval_ms,
            resumed=resumed,
            output_offsets=True,
            resume_token=token,
            protocol_version=version,
            max_receive_message_bytes=self.max_receive_message_bytes,
        )
        answer = {
            'agent_id': agent_id,
            'resumed': resumed,
            'resume_token_given': bool(token),
            'heartbeat_interval_ms': self.heartbeat_interval_ms,
            'output_offsets': True,
            'protocol_version': version,
            'max_receive_message_bytes': self.max_receive_message_bytes,
        }
        self.journal.add('register', number=number, request=seen, answer=answer)
        return response

    def Heartbeat(self, request, context):
        token = metadata_value(context, TOKEN_METADATA)
        known = request.agent_id in self.tokens
        token_ok = self.token_ok(request.agent_id, token)
        self.journal.add(
            'heartbeat',
            agent_id=request.agent_id,
            token_ok=token_ok,
            leases=[{'task_id': lease.task_id, 'lease_epoch': lease.lease_epoch} for lease in request.leases],
            active_task_ids=list(request.active_task_ids),
            draining=request.draining,
            healthy=request.healthy,
        )
        if known and not token_ok:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, 'a heartbeat needs the agent\'s resume token')
        return agent_pb2.HeartbeatResponse(known=known)

    def Unregister(self, request, context):
        token_ok = self.token_ok(request.agent_id, metadata_value(context, TOKEN_METADATA))
        self.journal.add('unregister', agent_id=request.agent_id, reason=request.reason, token_ok=token_ok)
        if request.agent_id in self.tokens and not token_ok:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, 'Unregister needs the agent\'s resume token')
        return agent_pb2.UnregisterResponse()

    def TaskStream(self, request_iterator, context):
        token = metadata_value(context, TOKEN_METADATA)
        try:
            first = next(request_iterator)
        except StopIteration:
            return
        if first.WhichOneof('event') != 'hello':
            self.journal.add('stream_refused', first=describe_worker_message(first), code='INVALID_ARGUMENT')
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, 'the first TaskStream message must be hello')
        agent_id = first.hello.agent_id
        if agent_id not in self.tokens:
            self.journal.add('stream_refused', agent_id=agent_id, code='NOT_FOUND')
            context.abort(grpc.StatusCode.NOT_FOUND, 'unknown agent id; register first')
        if not self.token_ok(agent_id, token):
            self.journal.add('stream_refused', agent_id=agent_id, code='PERMISSION_DENIED')
            context.abort(grpc.StatusCode.PERMISSION_DENIED, 'TaskStream needs the agent\'s resume token')
        with self.lock:
            stream = Stream(len(self.streams) + 1, agent_id)
            self.streams[stream.number] = stream
        self.journal.add('hello', stream=stream.number, agent_id=agent_id, token_ok=True)
        reader = threading.Thread(target=self.read, args=(stream, request_iterator), daemon=True)
        reader.start()
        while True:
            try:
                message = stream.outbox.get(timeout=0.2)
            except queue.Empty:
                if not context.is_active():
                    return
                continue
            if message is CLOSE:
                self.journal.add('stream_closed', stream=stream.number, by='orchestrator')
                return
            if message is HALF_CLOSED:
                # The worker has nothing more to say (it is stopping): end the call, as the
                # reference orchestrator does; the worker waits for that before it unregisters.
                self.journal.add('stream_closed', stream=stream.number, by='worker_half_close')
                return
            yield message

    def read(self, stream, requests):
        ended = 'the requests ended (the worker half-closed, or the call is over)'
        try:
            for message in requests:
                self.journal.add('message', stream=stream.number, **describe_worker_message(message))
        except grpc.RpcError as error:
            ended = f'{error.code().name}: {error.details()}' if hasattr(error, 'code') else str(error)
        except Exception as error:  # the call ended under the iterator
            ended = repr(error)
        self.journal.add('stream_ended', stream=stream.number, reason=ended)
        stream.outbox.put(HALF_CLOSED)

    # --- what the scenario sends -----------------------------------------------------------------

    def send(self, stream_number, message, **fields):
        self.journal.add('sent', stream=stream_number, kind=message.WhichOneof('command'), task_id=message.task_id, **fields)
        self.streams[stream_number].outbox.put(message)

    def assign(self, stream_number, task_id, task, lease_epoch, attempt):
        message = agent_pb2.OrchestratorMessage(task_id=task_id, assign=agent_pb2.TaskAssignment(task=task, lease_epoch=lease_epoch, attempt=attempt))
        self.send(stream_number, message, lease_epoch=lease_epoch, attempt=attempt, tool_type=task.tool_type, session_id=task.session_id)

    def ack(self, stream_number, task_id, lease_epoch, accepted=True):
        message = agent_pb2.OrchestratorMessage(task_id=task_id, ack=agent_pb2.ResultAck(lease_epoch=lease_epoch, accepted=accepted))
        self.send(stream_number, message, lease_epoch=lease_epoch, accepted=accepted)

    def cancel(self, stream_number, task_id, lease_epoch, force=False):
        message = agent_pb2.OrchestratorMessage(task_id=task_id, cancel=agent_pb2.CancelCommand(force=force, reason='cancelled by the Python orchestrator', lease_epoch=lease_epoch))
        self.send(stream_number, message, lease_epoch=lease_epoch, force=force)

    def close(self, stream_number):
        self.journal.add('closing_stream', stream=stream_number)
        self.streams[stream_number].outbox.put(CLOSE)


def play(orchestrator, journal, args):
    """The scenario of the module docstring."""
    j = journal

    def message(kind, task_id, since=0, stream=None, timeout=30.0, required=True):
        return j.wait_for(
            f'{kind} of {task_id}' + (f' on stream {stream}' if stream else ''),
            lambda e: e['event'] == 'message' and e['kind'] == kind and e['task_id'] == task_id and (stream is None or e['stream'] == stream),
            timeout, since, required)

    def heartbeat_with_leases(task_ids, since, timeout=10.0):
        """A heartbeat whose leases are exactly these task ids."""
        return j.wait_for(
            f'a heartbeat with exactly the leases {sorted(task_ids)}',
            lambda e: e['event'] == 'heartbeat' and sorted(lease['task_id'] for lease in e['leases']) == sorted(task_ids),
            timeout, since)

    def hello(number, timeout=30.0):
        return j.wait_for(f'hello on stream {number}', lambda e: e['event'] == 'hello' and e['stream'] == number, timeout)

    def sleeper(seconds):
        return agent_pb2.Task(tool_type='sleeper', custom=agent_pb2.CustomParams(values={'seconds': str(seconds)}))

    j.wait_for('the first registration', lambda e: e['event'] == 'register' and 'answer' in e, 60.0)
    hello(1)

    # A: file_read, lease epoch 2 / attempt 2 (as if a first run had been lost elsewhere), acked.
    task_a = agent_pb2.Task(tool_type='file_read', mount_source=args.workspace, file_read=agent_pb2.FileReadParams(path=args.file))
    orchestrator.assign(1, 'task-a', task_a, lease_epoch=2, attempt=2)
    message('completed', 'task-a', timeout=60.0)
    orchestrator.ack(1, 'task-a', 2)

    # B: list, completed, its ack withheld until after the reconnect.
    task_b = agent_pb2.Task(tool_type='list', mount_source=args.workspace, list=agent_pb2.ListParams(path='.'))
    orchestrator.assign(1, 'task-b', task_b, lease_epoch=1, attempt=1)
    completed_b = message('completed', 'task-b', timeout=60.0)
    j.add('ack_withheld', task_id='task-b', lease_epoch=1)

    # C: a long task, cancelled while it runs.
    orchestrator.assign(1, 'task-c', sleeper(60), lease_epoch=1, attempt=1)
    message('running', 'task-c', timeout=60.0)
    orchestrator.cancel(1, 'task-c', 1)
    message('completed', 'task-c', timeout=30.0)
    message('cancel_reply', 'task-c', timeout=2.0, required=False)  # version 2
    orchestrator.ack(1, 'task-c', 1)

    # A cancel for a task this worker never had.
    since = j.next_seq
    orchestrator.cancel(1, 'task-unknown', 1)
    message('cancel_reply', 'task-unknown', since=since, timeout=3.0, required=False)  # version 2

    # D: cancelled before its assignment arrives.
    since = j.next_seq
    orchestrator.cancel(1, 'task-d', 1)
    message('cancel_reply', 'task-d', since=since, timeout=3.0, required=False)  # version 2: UNKNOWN, remembered
    orchestrator.assign(1, 'task-d', sleeper(60), lease_epoch=1, attempt=1)
    if message('completed', 'task-d', since=since, timeout=4.0, required=False) is None:
        j.add('early_cancel_forgotten', task_id='task-d')
        orchestrator.cancel(1, 'task-d', 1)
        message('completed', 'task-d', since=since, timeout=30.0)
    orchestrator.ack(1, 'task-d', 1)

    # E: a task that names a session (version 2: refused with SESSION_UNSUPPORTED, no container).
    task_e = agent_pb2.Task(tool_type='file_read', mount_source=args.workspace, session_id='py-session-1', file_read=agent_pb2.FileReadParams(path=args.file))
    orchestrator.assign(1, 'task-e', task_e, lease_epoch=1, attempt=1)
    message('completed', 'task-e', timeout=60.0)
    orchestrator.ack(1, 'task-e', 1)

    # Reconnect: B alone is unacknowledged; the heartbeats say so.
    heartbeat_with_leases(['task-b'], since=completed_b['seq'], timeout=10.0)
    orchestrator.close(1)
    since = j.next_seq
    j.wait_for('the second registration', lambda e: e['event'] == 'register' and e['number'] == 2, 30.0, since)
    hello(2)
    message('completed', 'task-b', stream=2, timeout=30.0)
    time.sleep(args.quiet)  # anything else resent would arrive now
    orchestrator.ack(2, 'task-b', 1)
    heartbeat_with_leases([], since=j.next_seq, timeout=10.0)

    # Reconnect again: everything is acknowledged, nothing comes back.
    orchestrator.close(2)
    since = j.next_seq
    j.wait_for('the third registration', lambda e: e['event'] == 'register' and e['number'] == 3, 30.0, since)
    hello(3)
    time.sleep(args.quiet)


def main():
    parser = argparse.ArgumentParser(description='A scripted Python AgentService orchestrator (conformance test)')
    parser.add_argument('--socket', required=True, help='the Unix socket to serve on')
    parser.add_argument('--workspace', required=True, help='the directory tasks mount (a worker mount root must hold it)')
    parser.add_argument('--file', default='hello.txt', help='the file task A reads, relative to the workspace')
    parser.add_argument('--heartbeat-interval-ms', type=int, default=300)
    parser.add_argument('--max-receive-message-bytes', type=int, default=4 * 1024 * 1024)
    parser.add_argument('--quiet', type=float, default=1.5, help='seconds to watch for resends after a reconnect')
    args = parser.parse_args()

    journal = Journal(sys.stdout)
    orchestrator = Orchestrator(journal, args.heartbeat_interval_ms, args.max_receive_message_bytes)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=16),
        options=[('grpc.max_receive_message_length', args.max_receive_message_bytes), ('grpc.max_send_message_length', 64 * 1024 * 1024)],
    )
    agent_pb2_grpc.add_AgentServiceServicer_to_server(orchestrator, server)
    server.add_insecure_port(f'unix:{args.socket}')
    server.start()
    journal.add('listening', socket=args.socket, protocol_version=PROTOCOL_VERSION)

    def on_signal(number, _frame):
        raise Stopped(signal.Signals(number).name)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    try:
        try:
            play(orchestrator, journal, args)
            journal.add('scenario_done')
        except ScenarioFailed as failure:
            journal.add('scenario_failed', waiting_for=str(failure))
        while True:  # serve on (heartbeats, Unregister) until a signal
            time.sleep(3600)
    except Stopped as stopped:
        journal.add('stopping', signal=str(stopped))
    server.stop(grace=1).wait()
    journal.add('stopped')


if __name__ == '__main__':
    main()
