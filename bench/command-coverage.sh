#!/usr/bin/env bash
# Commands TDB+ implements versus redis-server's command table, per Redis command group (COMMAND DOCS).
# Usage: bench/command-coverage.sh
source "$(dirname "$0")/lib.sh"
build_tdb
rport=$(free_port); start_server redis "$rport"; rpid=$SERVER_PID
tport=$(free_port); start_server tdb "$tport"; tpid=$SERVER_PID
python3 - "$rport" "$tport" <<'PY'
import socket, sys
def call(port, *args):
    s = socket.create_connection(("127.0.0.1", int(port)))
    s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args)))
    f = s.makefile("rb")
    def read():
        line = f.readline().rstrip(b"\r\n")
        t, rest = line[:1], line[1:]
        if t in b"+-:": return rest.decode()
        if t == b"$":
            n = int(rest)
            if n < 0: return None
            data = f.read(n + 2)[:-2]
            return data.decode("latin1")
        if t in b"*%~":
            n = int(rest)
            if n < 0: return None
            count = n * 2 if t == b"%" else n
            return [read() for _ in range(count)]
        return rest.decode()
    r = read(); s.close(); return r
redis = {c.lower() for c in call(sys.argv[1], "COMMAND", "LIST")}
tdb = {c.lower() for c in call(sys.argv[2], "COMMAND", "LIST")}
docs = call(sys.argv[1], "COMMAND", "DOCS")
groups = {}
for i in range(0, len(docs), 2):
    name, fields = docs[i], docs[i + 1]
    d = dict(zip(fields[0::2], fields[1::2]))
    groups.setdefault(d.get("group", "?"), []).append(name.lower())
print(f"{'group':14} {'redis':>6} {'tdb+':>6}  missing")
total_r = total_t = 0
for g in sorted(groups):
    names = sorted(groups[g])
    have = [n for n in names if n in tdb]
    total_r += len(names); total_t += len(have)
    missing = [n for n in names if n not in tdb]
    print(f"{g:14} {len(names):6} {len(have):6}  {' '.join(missing)}")
print(f"{'total':14} {total_r:6} {total_t:6}")
extra = sorted(tdb - redis)
if extra: print("TDB+ only:", " ".join(extra))
PY
