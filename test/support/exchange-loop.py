# Swaps two paths again and again with renameat2(RENAME_EXCHANGE) until killed or for argv[3]
# seconds, then leaves them as they were and prints how many exchanges it made. Used by
# test/security/mount-race.test.ts: Node has no renameat2.
import ctypes, signal, sys, time

libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
a, b = sys.argv[1].encode(), sys.argv[2].encode()
end = time.monotonic() + float(sys.argv[3])
stop = False

def on_term(*_):
    global stop
    stop = True

signal.signal(signal.SIGTERM, on_term)
count = 0
while not stop and time.monotonic() < end:
    if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
        raise OSError(ctypes.get_errno(), 'renameat2')
    count += 1
    time.sleep(0.005)
if count % 2 == 1:
    libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
print(count, flush=True)
