import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findUnsafePlaceholder } from './find-unsafe-placeholder.js';
import { parseCommandTemplate } from './parse-command-template.js';

const find = (command: string[]) => findUnsafePlaceholder(command.map(parseCommandTemplate));

describe('findUnsafePlaceholder', () => {
  const safe: string[][] = [
    ['sleep', '{seconds}'],
    ['sh', '-c', 'echo "${{1}}" {{x}}'], // no placeholders at all
    ['sh', '-c', 'head -c "$1" /dev/zero', 'sh', '{size}'],
    ['sh', '-c', 'echo "$@"', '{zero}', '{a}', '--b={b}'], // $0 and positional arguments
    ['/bin/bash', '-euo', 'pipefail', '-c', 'grep -c -- "$1" "$2"', 'bash', '{pattern}', '{file}'],
    ['bash', '--norc', '--rcfile', '/etc/rc', '-c', 'echo "$1"', 'bash', '{x}'],
    ['sh', '-c', '--', 'echo "$1"', 'sh', '{x}'],
    ['sh', '-e', '/opt/run.sh', '{x}'],
    ['dash', '-s', '--', 'a', '{x}'], // -s: the script is stdin, 'a' and {x} are arguments
    ['env', 'LANG=C', 'MODE={mode}', 'sort', '--', '{file}'],
    ['/usr/bin/env', '-i', 'A={a}', 'sh', '-c', 'echo "$A $1"', 'sh', '{b}'],
    ['env', '--', 'sh', '-c', 'true', 'sh', '{x}'],
    ['env'],
    ['shx', '-c', '{x}'], // not a shell
    ['printf', '%s', '{x}'],
  ];
  for (const command of safe) {
    it(`accepts ${JSON.stringify(command)}`, () => {
      assert.equal(find(command), undefined);
    });
  }

  const unsafe: { command: string[]; index: number; reason: RegExp }[] = [
    { command: ['{program}', 'x'], index: 0, reason: /the program to run must not contain placeholders/ },
    { command: ['/usr/bin/{tool}'], index: 0, reason: /the program/ },
    { command: ['sh', '-c', 'echo {x}'], index: 2, reason: /shell script \(sh -c\).*positional arguments.*\[sh, -c, 'head -c "\$1" \/dev\/zero', sh, "\{size\}"\]/ },
    { command: ['sh', '-c', 'head -c "{size}" /dev/zero'], index: 2, reason: /sh -c/ },
    { command: ['/bin/bash', '-c', 'ls {dir}'], index: 2, reason: /bash -c/ },
    { command: ['dash', '-ec', '{x}'], index: 2, reason: /dash -c/ },
    { command: ['zsh', '-o', 'pipefail', '-c', 'echo {x}'], index: 4, reason: /zsh -c/ },
    { command: ['ksh', '-c', '--', 'echo {x}'], index: 3, reason: /ksh -c/ },
    { command: ['ash', '-xc', 'echo {x}', 'ash', '{y}'], index: 2, reason: /ash -c/ },
    { command: ['bash', '--rcfile', '/etc/rc', '-c', '{x}'], index: 4, reason: /bash -c/ },
    { command: ['env', 'sh', '-c', 'echo {x}'], index: 3, reason: /sh -c/ },
    { command: ['/usr/bin/env', '-i', 'PATH=/bin', 'bash', '-c', 'echo {x}'], index: 5, reason: /bash -c/ },
    { command: ['sh', '{x}'], index: 1, reason: /options of sh could become an option or its script/ },
    { command: ['sh', '-c', '{script}'], index: 2, reason: /sh -c/ },
    { command: ['sh', '-{flags}', '-c', 'true'], index: 1, reason: /options of sh/ },
    { command: ['sh', '-o', '{opt}', '-c', 'true'], index: 2, reason: /options of sh/ },
    { command: ['sh', '--', '{script}'], index: 2, reason: /the script file of sh must not contain placeholders/ },
    { command: ['bash', '--weird', '-c', 'echo {x}'], index: 1, reason: /unknown option "--weird" of bash: cannot tell where its script starts/ },
    { command: ['sh', '-c5', 'echo', 'sh', '{x}'], index: 1, reason: /unknown option "-c5"/ },
    { command: ['env', '{x}', 'sh'], index: 1, reason: /among env's arguments.*NAME=\{param\}/ },
    { command: ['env', '{name}=1', 'sh'], index: 1, reason: /among env's arguments/ },
    { command: ['env', '-S', 'sh -c', 'echo', '{x}'], index: 1, reason: /env option "-S" is not accepted.*-S would split values/ },
    { command: ['env', '--split-string=sh -c', '{x}'], index: 1, reason: /env option "--split-string=sh -c"/ },
    { command: ['env', '-u', 'HOME', 'sort', '{x}'], index: 1, reason: /env option "-u"/ },
    { command: ['env', 'A=1', '{program}'], index: 2, reason: /among env's arguments/ },
  ];
  for (const { command, index, reason } of unsafe) {
    it(`refuses ${JSON.stringify(command)} at command[${index}]`, () => {
      const found = find(command);
      assert.ok(found !== undefined, 'expected a problem');
      assert.equal(found.index, index, found.reason);
      assert.match(found.reason, reason);
    });
  }
});
