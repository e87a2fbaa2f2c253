"""A TaskService client written from proto/agent/v1/agent.proto alone, in Python.

Part of #12's proof that the published contract is enough in a second language: it uses only the
stubs that scripts/ensure-python-peer.sh generates (Debian's protoc + grpc_python_plugin) and
Debian's python3-grpcio, and talks to bin/orchestrator over its Unix socket.

Run with Debian's interpreter and the stubs on the path:

  PYTHONPATH=build/python-peer /usr/bin/python3 test/conformance/python/client.py \
      --addr unix:///run/baaaht/grpc.sock ACTION ...

Actions (each prints one JSON document on stdout):
  run TOOL [task options]       RunTask: submit and follow the stream to its result
  submit TOOL [task options]    SubmitTask: {"task_id"}
  get TASK_ID [--wait SECONDS]  GetTask (with --wait: until the task has its result)
  cancel TASK_ID [--force]      CancelTask: {"found"}
  workers                       ListWorkers
  tasks [--recent N]            ListTasks

Task options: --mount DIR, --writable, --timeout-ms N, --session-id ID, --param KEY=VALUE
(repeatable; a built-in tool's parameters go into its params message, any other tool's into
`custom`), and the placement: --worker NAME, --group GROUP, --label KEY=VALUE.

A gRPC error prints {"error": {"code": "NOT_FOUND", "details": "..."}} and exits 3.
"""

import argparse
import base64
import json
import sys
import time

import grpc
from google.protobuf import json_format

from agent.v1 import agent_pb2, agent_pb2_grpc

# The built-in tools: their params field in Task's `params` oneof has the tool's name.
BUILTIN_PARAMS = {
    field.name: field
    for field in agent_pb2.Task.DESCRIPTOR.oneofs_by_name['params'].fields
    if field.name != 'custom'
}


def state_name(value):
    return agent_pb2.TaskState.Name(value)


def to_dict(message):
    """The message as JSON-ready data: proto field names, defaults included (bytes are base64)."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True, including_default_value_fields=True)


def result_dict(result):
    """A TaskResult, with its output decoded as well."""
    data = to_dict(result)
    data['stdout_text'] = result.stdout.decode('utf-8', 'replace')
    data['stderr_text'] = result.stderr.decode('utf-8', 'replace')
    return data


def build_task(args):
    task = agent_pb2.Task(
        tool_type=args.tool, mount_source=args.mount or '', writable=args.writable, timeout_ms=args.timeout_ms, session_id=args.session_id)
    params = dict(pair.split('=', 1) for pair in args.param)
    if args.tool in BUILTIN_PARAMS:
        message = getattr(task, args.tool)
        message.SetInParent()  # selects the oneof even when no parameter is given
        fields = message.DESCRIPTOR.fields_by_name
        for key, value in params.items():
            field = fields.get(key)
            if field is None:
                raise SystemExit(f'{args.tool} has no parameter {key!r} (it has: {", ".join(fields)})')
            if field.type == field.TYPE_BOOL:
                setattr(message, key, value.lower() in ('1', 'true', 'yes'))
            elif field.type == field.TYPE_BYTES:
                setattr(message, key, value.encode())
            else:
                setattr(message, key, value)
    else:
        task.custom.SetInParent()
        for key, value in params.items():
            task.custom.values[key] = value
    return task


def build_request(args):
    labels = dict(pair.split('=', 1) for pair in args.label)
    return agent_pb2.RunTaskRequest(task=build_task(args), worker=args.worker, group=args.group, labels=labels)


def run(stub, args):
    """RunTask: every event in order, the output joined per stream, the result."""
    events = []
    out = {'task_id': '', 'events': events, 'submitted_worker': None, 'running': None, 'result': None}
    output = {'stdout': bytearray(), 'stderr': bytearray()}
    started = time.monotonic()
    for event in stub.RunTask(build_request(args), timeout=args.deadline):
        kind = event.WhichOneof('event')
        entry = {'kind': kind, 'task_id': event.task_id, 'at_ms': round((time.monotonic() - started) * 1000)}
        if not out['task_id']:
            out['task_id'] = event.task_id
        if kind == 'submitted':
            out['submitted_worker'] = event.submitted.worker
        elif kind == 'running':
            out['running'] = to_dict(event.running)
        elif kind == 'output':
            name = 'stderr' if event.output.stream == agent_pb2.OUTPUT_STREAM_STDERR else 'stdout'
            output[name] += event.output.data
            entry.update(stream=name, size=len(event.output.data))
        elif kind == 'result':
            out['result'] = result_dict(event.result)
        events.append(entry)
    out['stdout'] = output['stdout'].decode('utf-8', 'replace')
    out['stderr'] = output['stderr'].decode('utf-8', 'replace')
    out['stdout_b64'] = base64.b64encode(bytes(output['stdout'])).decode()
    return out


def submit(stub, args):
    return {'task_id': stub.SubmitTask(build_request(args), timeout=args.deadline).task_id}


def get(stub, args):
    deadline = time.monotonic() + (args.wait or 0)
    while True:
        view = stub.GetTask(agent_pb2.GetTaskRequest(task_id=args.task_id), timeout=args.deadline)
        if view.HasField('result') or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    data = to_dict(view)
    data['state_name'] = state_name(view.state)
    data['finished'] = view.HasField('result')
    if view.HasField('result'):
        data['result'] = result_dict(view.result)
    return data


def cancel(stub, args):
    reply = stub.CancelTask(agent_pb2.CancelTaskRequest(task_id=args.task_id, force=args.force), timeout=args.deadline)
    return {'found': reply.found}


def workers(stub, args):
    reply = stub.ListWorkers(agent_pb2.ListWorkersRequest(), timeout=args.deadline)
    return {'workers': [to_dict(worker) for worker in reply.workers]}


def tasks(stub, args):
    reply = stub.ListTasks(agent_pb2.ListTasksRequest(recent_finished=args.recent), timeout=args.deadline)
    return {'tasks': [dict(to_dict(task), state_name=state_name(task.state)) for task in reply.tasks]}


def add_task_options(parser):
    parser.add_argument('tool')
    parser.add_argument('--mount')
    parser.add_argument('--writable', action='store_true')
    parser.add_argument('--timeout-ms', type=int, default=0)
    parser.add_argument('--session-id', default='')
    parser.add_argument('--param', action='append', default=[], metavar='KEY=VALUE')
    parser.add_argument('--worker', default='')
    parser.add_argument('--group', default='')
    parser.add_argument('--label', action='append', default=[], metavar='KEY=VALUE')


def main():
    parser = argparse.ArgumentParser(description='A Python TaskService client (conformance test)')
    parser.add_argument('--addr', required=True, help='the orchestrator, e.g. unix:///run/baaaht/grpc.sock')
    parser.add_argument('--deadline', type=float, default=120.0, help='seconds each call may take')
    actions = parser.add_subparsers(dest='action', required=True)
    add_task_options(actions.add_parser('run'))
    add_task_options(actions.add_parser('submit'))
    p = actions.add_parser('get')
    p.add_argument('task_id')
    p.add_argument('--wait', type=float, default=0.0)
    p = actions.add_parser('cancel')
    p.add_argument('task_id')
    p.add_argument('--force', action='store_true')
    actions.add_parser('workers')
    p = actions.add_parser('tasks')
    p.add_argument('--recent', type=int, default=0)
    args = parser.parse_args()

    handler = {'run': run, 'submit': submit, 'get': get, 'cancel': cancel, 'workers': workers, 'tasks': tasks}[args.action]
    with grpc.insecure_channel(args.addr) as channel:
        stub = agent_pb2_grpc.TaskServiceStub(channel)
        try:
            out = handler(stub, args)
        except grpc.RpcError as error:
            json.dump({'error': {'code': error.code().name, 'details': error.details()}}, sys.stdout)
            sys.stdout.write('\n')
            sys.exit(3)
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
