#!/usr/bin/env python3
"""Open ten 20,000-line files (five Python, five Rust) in `lanes lsp` and report the time to
answer `initialize`, the time to the first diagnostics of each file, and the server's peak
memory (VmHWM). Usage: benches/lsp-memory.py [path/to/lanes]"""
import json, os, subprocess, sys, time

LANES = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target", "release", "lanes")

def py_file(i):
    out = ["import os\nimport subprocess\n\n"]
    for k in range(2500):
        body = "    subprocess.run(cmd, check=True)\n" if k % 50 == 0 else "    return a + b * %d\n" % k
        out.append(f"def f{i}_{k}(a, b, cmd=None):\n    \"\"\"Doc {k}.\"\"\"\n{body}    pass\n\n\n\n")
    return "".join(out)

def rs_file(i):
    out = []
    for k in range(5000):
        body = "    unsafe { std::ptr::read(&a) }" if k % 50 == 0 else f"    a + {k}"
        out.append(f"pub fn f{i}_{k}(a: i64) -> i64 {{\n{body}\n}}\n")
    return "\n".join(out)

def frame(msg):
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body

def read_msg(stream):
    length = None
    while True:
        line = stream.readline()
        if not line:
            raise EOFError
        if line in (b"\r\n", b"\n"):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(stream.read(length))

def main():
    proc = subprocess.Popen([LANES, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    send = lambda m: (proc.stdin.write(frame(m)), proc.stdin.flush())
    t0 = time.perf_counter()
    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "processId": None, "rootUri": None}})
    while True:
        m = read_msg(proc.stdout)
        if m.get("id") == 1:
            break
    init_ms = (time.perf_counter() - t0) * 1000
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    opened = {}
    for i in range(10):
        lang, ext, text = ("python", "py", py_file(i)) if i < 5 else ("rust", "rs", rs_file(i))
        uri = f"file:///tmp/lanes-bench-{i}.{ext}"
        opened[uri] = (time.perf_counter(), text.count("\n") + 1)
        send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": lang, "version": 1, "text": text}}})
    firsts = {}
    while len(firsts) < len(opened):
        m = read_msg(proc.stdout)
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] in opened:
            uri = m["params"]["uri"]
            firsts.setdefault(uri, ((time.perf_counter() - opened[uri][0]) * 1000, len(m["params"]["diagnostics"])))
    status = open(f"/proc/{proc.pid}/status").read()
    hwm = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM"))
    rss = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmRSS"))
    send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    send({"jsonrpc": "2.0", "method": "exit"})
    proc.wait(timeout=10)
    print(f"initialize answered in {init_ms:.1f} ms")
    for uri, (ms, n) in firsts.items():
        print(f"{uri.rsplit('/', 1)[1]}: {opened[uri][1]} lines, first diagnostics after {ms:.0f} ms ({n} diagnostics)")
    print(f"ten 20,000-line files open: VmRSS {rss / 1024:.1f} MB, peak VmHWM {hwm / 1024:.1f} MB")
    print(f"exit code {proc.returncode}")

main()
