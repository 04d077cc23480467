#!/usr/bin/env python3
"""Lists the functions of a binary that some runs of it execute, in the order
they were first met: the symbol ordering file with which the linker places
them side by side (data/reqdoctor.order, made by bench/order).

    hot_functions.py OUT BINARY :: ARG… [:: ARG…]

Each run is BINARY ARG… under valgrind's callgrind; a function counts when
callgrind names it and BINARY's symbol table defines it (libc's and the
loader's are left out). OUT gets one mangled name per line after a comment
header, which lld skips.
"""

import os
import subprocess
import sys
import tempfile


def defined_functions(binary):
    """The names of the functions BINARY's symbol table defines."""
    listing = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    names = set()
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "tTwW":
            names.add(fields[2])
    return names


def executed(binary, args, scratch):
    """The functions callgrind saw run, in the order its output names them."""
    out = os.path.join(scratch, "callgrind.out")
    subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no", "--compress-strings=no",
                    f"--callgrind-out-file={out}", binary, *args],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    with open(out) as f:
        return [line[3:].strip() for line in f if line.startswith("fn=")]


def runs_of(words):
    """The argument lists between the `::` separators."""
    runs = []
    for word in words:
        if word == "::":
            runs.append([])
        elif runs:
            runs[-1].append(word)
        else:
            sys.exit("usage: hot_functions.py OUT BINARY :: ARG… [:: ARG…]")
    return runs


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: hot_functions.py OUT BINARY :: ARG… [:: ARG…]")
    out, binary, runs = sys.argv[1], sys.argv[2], runs_of(sys.argv[3:])
    defined = defined_functions(binary)
    order, seen = [], set()
    with tempfile.TemporaryDirectory() as scratch:
        for args in runs:
            for name in executed(binary, args, scratch):
                if name in defined and name not in seen:
                    seen.add(name)
                    order.append(name)
    if not order:
        sys.exit("hot_functions.py: no function of the binary ran (is it stripped?)")
    with open(out, "w") as f:
        f.write("# The functions one diagnosis runs, in the order first met: the linker puts\n")
        f.write("# them side by side (build.rs). Made by bench/order; see docs/performance.md.\n")
        f.writelines(f"{name}\n" for name in order)
    print(f"{len(order)} functions", file=sys.stderr)


if __name__ == "__main__":
    main()
