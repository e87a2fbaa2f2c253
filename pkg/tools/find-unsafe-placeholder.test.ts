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

describe('findUnsafePlaceholder: wrappers and interpreters (#11)', () => {
  const safe: string[][] = [
    ['timeout', '10', 'sh', '-c', 'echo "$1"', 'sh', '{term}'],
    ['timeout', '-s', 'KILL', '--kill-after=2', '10', 'grep', '-c', '--', '{pattern}', 'file'],
    ['nice', '-n', '5', 'sort', '--', '{file}'],
    ['nice', '-10', 'sort', '{file}'],
    ['nohup', 'setsid', '-w', 'stdbuf', '-oL', 'cat', '{file}'],
    ['busybox', 'sh', '-c', 'echo "$1"', 'sh', '{x}'],
    ['busybox', 'wc', '-l', '{file}'],
    ['xargs', '-0', '-n', '1', 'grep', '-l', '--', '{pattern}'],
    ['find', '.', '-name', '{name}', '-exec', 'sh', '-c', 'wc -c "$1"', 'sh', '{{}}', ';'],
    ['find', '{dir}', '-type', 'f', '-exec', 'grep', '-l', '--', '{pattern}', '{{}}', '+'],
    ['python3', '-c', 'import sys; print(sys.argv[1])', '{x}'],
    ['python3.11', '-I', '-c', 'import sys; print(sys.argv[1])', '{x}'],
    ['python3', '-m', 'json.tool', '{file}'],
    ['perl', '-e', 'print $ARGV[0]', '--', '{x}'],
    ['perl', '-lne', 'print if /x/', '{file}'],
    ['node', '-e', 'console.log(process.argv[1])', '--', '{x}'],
    ['ruby', '-e', 'puts ARGV[0]', '--', '{x}'],
    ['awk', '-v', 'OFS=,', '{{print $1}}', '{file}'],
    ['awk', '-f', '/opt/prog.awk', '--', '{file}'],
    ['sed', '-n', 's/a/b/p', '{file}'],
    ['sed', '-e', 's/a/b/', '--', '{file}'],
    ['git', 'log', '{ref}'], // not an interpreter: its arguments are its own business
  ];
  for (const command of safe) {
    it(`accepts ${JSON.stringify(command)}`, () => {
      assert.equal(find(command), undefined);
    });
  }

  const unsafe: { command: string[]; index: number; reason: RegExp }[] = [
    // The attack of #11: a shell behind timeout, the value inside its script.
    { command: ['timeout', '10', 'sh', '-c', 'echo {term}'], index: 4, reason: /shell script \(sh -c\)/ },
    { command: ['timeout', '10', 'sh', '-c', '{script}'], index: 4, reason: /sh -c/ },
    { command: ['timeout', '{secs}', 'sh', '-c', 'true'], index: 1, reason: /arguments of timeout could become an option, an operand or the program/ },
    { command: ['timeout', '10', '{program}'], index: 2, reason: /the program to run/ },
    { command: ['timeout', '--weird', '10', 'ls', '{x}'], index: 1, reason: /unknown option "--weird" of timeout/ },
    { command: ['env', 'timeout', '5', 'bash', '-c', 'ls {dir}'], index: 5, reason: /bash -c/ },
    { command: ['nice', '-n', '{n}', 'ls'], index: 2, reason: /the value of nice "-n" must not contain placeholders/ },
    { command: ['nice', 'sh', '-c', 'echo {x}'], index: 3, reason: /sh -c/ },
    { command: ['busybox', 'sh', '-c', 'echo {x}'], index: 3, reason: /sh -c/ },
    { command: ['busybox', '{applet}', 'x'], index: 1, reason: /the program/ },
    { command: ['busybox', 'ash', '{script}'], index: 2, reason: /options of ash/ },
    { command: ['xargs', 'sh', '-c', 'echo {x}'], index: 3, reason: /sh -c/ },
    { command: ['xargs', '-I', '{r}', 'sh'], index: 2, reason: /the value of xargs "-I"/ },
    { command: ['find', '.', '-exec', 'sh', '-c', 'echo {x}', ';'], index: 5, reason: /sh -c/ },
    { command: ['find', '.', '-execdir', '{program}', ';'], index: 3, reason: /the program/ },
    { command: ['find', '.', '-name', 'a', '-ok', 'perl', '-e', '{code}', ';'], index: 7, reason: /code of perl \(-e\)/ },
    { command: ['perl', '-e', 'print "{x}"'], index: 2, reason: /placeholders in the code of perl \(-e\) would run as perl code/ },
    { command: ['perl', '-e', 'print 1', '{x}'], index: 3, reason: /options of perl could become an option/ },
    { command: ['perl', '{script}'], index: 1, reason: /options of perl could become an option or its code/ },
    { command: ['perl', 'x{script}'], index: 1, reason: /code of perl \(its script file\)/ },
    { command: ['awk', '-f', '/opt/prog.awk', '{file}'], index: 3, reason: /options of awk.*behind "--"/ },
    { command: ['perl', '-Mstrict', '-we', '{code}'], index: 3, reason: /code of perl/ },
    { command: ['python3', '-c', 'print({x})'], index: 2, reason: /code of python3 \(-c\)/ },
    { command: ['python', '-c', '{code}'], index: 2, reason: /code of python/ },
    { command: ['python3.12', '-m', '{module}'], index: 2, reason: /code of python3\.12 \(-m\)/ },
    { command: ['python3', '-W', '{w}', '-c', 'pass'], index: 2, reason: /options of python3/ },
    { command: ['python3', '--weird', 'x.py', '{x}'], index: 1, reason: /unknown option "--weird" of python3/ },
    { command: ['node', '-e', 'console.log("{x}")'], index: 2, reason: /code of node \(-e\)/ },
    { command: ['node', '--eval={code}'], index: 1, reason: /options of node/ },
    { command: ['node', '-r', '{module}', 'app.js'], index: 2, reason: /code of node \(-r\)/ },
    { command: ['ruby', '-e', 'puts {x}'], index: 2, reason: /code of ruby/ },
    { command: ['php', '-r', 'echo {x};'], index: 2, reason: /code of php/ },
    { command: ['lua', '-e', 'print({x})'], index: 2, reason: /code of lua/ },
    { command: ['awk', '{{print "{x}"}}'], index: 1, reason: /code of awk \(its program text\)/ },
    { command: ['gawk', '-e', '{prog}', 'f'], index: 2, reason: /code of gawk \(-e\)/ },
    { command: ['sed', 's/{a}/b/', 'f'], index: 1, reason: /code of sed \(its program text\)/ },
    { command: ['sed', '-e', '{script}'], index: 2, reason: /code of sed \(-e\)/ },
    { command: ['su', 'nobody', '-c', 'ls {dir}'], index: 3, reason: /su runs its arguments through a shell/ },
    { command: ['su', '-c', '{cmd}'], index: 2, reason: /su runs its arguments/ },
    { command: ['sudo', '-u', 'nobody', 'ls', '{dir}'], index: 4, reason: /sudo runs its arguments/ },
    { command: ['watch', '-n', '1', 'ls', '{dir}'], index: 4, reason: /watch runs its arguments through a shell/ },
    { command: ['ssh', 'host', 'ls', '{dir}'], index: 3, reason: /ssh/ },
    { command: ['make', '-C', '/src', '{target}'], index: 3, reason: /make/ },
    { command: ['mksh', '-c', 'echo {x}'], index: 2, reason: /mksh -c/ },
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
