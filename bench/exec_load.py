#!/usr/bin/env python3
"""MULTI / SET a x / SET b y / EXEC over raw sockets: C connections (split over worker processes), each sends
the four commands in one write and waits for the four replies before the next transaction.
   exec_load.py PORT TRANSACTIONS CONNECTIONS  -> prints transactions per second"""
import asyncio, multiprocessing as mp, sys, time

TX = b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nx\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\ny\r\n*1\r\n$4\r\nEXEC\r\n"
REPLY = b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n+OK\r\n"

async def conn(port, n):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(n):
        w.write(TX)
        got = await r.readexactly(len(REPLY))
        if got != REPLY: raise SystemExit(f"unexpected reply {got!r}")
    w.close()

def proc(port, conns, per_conn, start, q):
    async def main():
        while time.time() < start: await asyncio.sleep(0.001)
        await asyncio.gather(*(conn(port, per_conn) for _ in range(conns)))
    asyncio.run(main())
    q.put(time.time())

if __name__ == "__main__":
    port, total, clients = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    procs_n = min(clients, max(1, mp.cpu_count() // 2), 10)
    per_conn = max(1, total // clients)
    start = time.time() + 0.5
    q = mp.Queue()
    procs = []
    for k in range(procs_n):
        c = clients // procs_n + (1 if k < clients % procs_n else 0)
        p = mp.Process(target=proc, args=(port, c, per_conn, start, q)); p.start(); procs.append(p)
    ends = [q.get() for _ in procs]
    for p in procs: p.join()
    if any(p.exitcode for p in procs): sys.exit(1)
    print(f"{per_conn * clients / (max(ends) - start):.0f}")
