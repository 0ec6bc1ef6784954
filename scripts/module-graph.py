#!/usr/bin/env python3
"""The import graph between the top-level modules of one crate, from `crate::name` paths in
code (comments left out); prints it, and fails on a cycle or on a forbidden edge.

usage: module-graph.py CRATE_SRC_DIR [--only-from-http MODULE [ENTRY]]

With `--only-from-http http`, no module but `http` itself may import `http` (the features
never reach into the HTTP edge); with `--only-from-http http cli`, the binary's command line
`cli` may too (it starts the server), and no module may import `cli`."""
import os
import re
import sys

src = sys.argv[1]
edge_module = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--only-from-http" else None
entry_module = sys.argv[4] if edge_module and len(sys.argv) > 4 else None
roots = {"lib.rs", "main.rs"}
path_re = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")


def module_of(rel):
    first = rel.split(os.sep)[0]
    return first[:-3] if first.endswith(".rs") else first


modules = set()
edges = {}
for dirpath, _, files in os.walk(src):
    for name in files:
        if not name.endswith(".rs"):
            continue
        rel = os.path.relpath(os.path.join(dirpath, name), src)
        if rel in roots:
            continue
        m = module_of(rel)
        modules.add(m)
        with open(os.path.join(dirpath, name), encoding="utf-8") as f:
            for line in f:
                code = line.split("//", 1)[0]
                for target in path_re.findall(code):
                    if target != m:
                        edges.setdefault(m, set()).add(target)

edges = {m: {t for t in ts if t in modules} for m, ts in edges.items()}
for m in sorted(modules):
    print(f"  {m} -> {', '.join(sorted(edges.get(m, ()))) or '(nothing)'}")

# Tarjan's strongly connected components: any with two or more modules is a cycle.
index, low, on, stack, sccs, counter = {}, {}, set(), [], [], [0]


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        scc = []
        while True:
            w = stack.pop()
            on.discard(w)
            scc.append(w)
            if w == v:
                break
        sccs.append(scc)


for m in sorted(modules):
    if m not in index:
        visit(m)
status = 0
for scc in sccs:
    if len(scc) > 1:
        print(f"error: module cycle in {src}: {' <-> '.join(sorted(scc))}", file=sys.stderr)
        status = 1
if edge_module:
    for m, ts in sorted(edges.items()):
        if edge_module in ts and m not in (edge_module, entry_module):
            print(f"error: {m} imports {edge_module} (only {edge_module} may)", file=sys.stderr)
            status = 1
        if entry_module and entry_module in ts:
            print(f"error: {m} imports {entry_module} (the entry point; nothing may)", file=sys.stderr)
            status = 1
sys.exit(status)
