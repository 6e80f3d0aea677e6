#!/usr/bin/env python3
"""Writes a large, realistic coverage report for the coverage-gate benchmark.

lcov: shaped like geninfo 1.16 and cargo-llvm-cov output (TN, SF, FN, FNDA,
FNF/FNH, DA, BRDA, BRF/BRH, LF/LH, end_of_record), many files of a few
hundred lines each. Cobertura: shaped like coverage.py's XML (tab-indented,
one <source>, packages, classes with a filename, <methods/>, and <line>
elements with branch and condition-coverage). The output is deterministic
for a given seed and size, and goes wherever --out says (never the
repository: the files are ~100 MB).

    generate.py lcov --size-mb 100 --out /tmp/x/lcov.info
    generate.py cobertura --size-mb 100 --out /tmp/x/coverage.xml
"""

import argparse
import random
import sys

WORKSPACE = "/home/runner/work/app/app"


def hits(rng):
    """An execution count: a fifth never run, most small, a few huge."""
    r = rng.random()
    if r < 0.2:
        return 0
    if r < 0.85:
        return rng.randint(1, 40)
    if r < 0.98:
        return rng.randint(41, 100_000)
    return rng.randint(100_001, 50_000_000_000)


def rust_symbol(rng, module, file, name):
    """A legacy-mangled Rust symbol, as llvm-cov's lcov export writes it."""
    parts = ["app", f"mod{module}", f"file{file}", name]
    body = "".join(f"{len(p)}{p}" for p in parts)
    return f"_ZN{body}17h{rng.getrandbits(64):016x}E"


VERBS = ["parse", "read", "write", "check", "build", "render", "load", "merge", "apply", "handle"]
NOUNS = ["config", "request", "header", "entry", "record", "token", "buffer", "state", "report", "path"]


def lcov_file(rng, module, file):
    """One SF section, as a list of lines."""
    out = ["TN:", f"SF:{WORKSPACE}/src/mod{module}/file{file}.rs"]
    length = rng.randint(120, 700)
    # Instrumented lines: most, not all, of the file.
    lines = [n for n in range(1, length + 1) if rng.random() < 0.6]
    if not lines:
        lines = [1]
    n_fn = max(1, len(lines) // rng.randint(8, 20))
    starts = sorted(rng.sample(lines, min(n_fn, len(lines))))
    names = []
    for i, start in enumerate(starts):
        base = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{i}"
        # About half the producers mangle (llvm-cov), half do not (gcc/geninfo).
        name = rust_symbol(rng, module, file, base) if rng.random() < 0.5 else base
        names.append((start, name, hits(rng)))
    for start, name, _ in names:
        out.append(f"FN:{start},{name}")
    for _, name, count in names:
        out.append(f"FNDA:{count},{name}")
    out.append(f"FNF:{len(names)}")
    out.append(f"FNH:{sum(1 for _, _, c in names if c > 0)}")
    brf = brh = 0
    for line in lines:
        if rng.random() < 0.15:
            ways = 2 if rng.random() < 0.85 else rng.randint(3, 6)
            reached = rng.random() < 0.9
            for branch in range(ways):
                if reached:
                    taken = hits(rng)
                    out.append(f"BRDA:{line},0,{branch},{taken}")
                    brh += taken > 0
                else:
                    out.append(f"BRDA:{line},0,{branch},-")
                brf += 1
    if brf:
        out.append(f"BRF:{brf}")
        out.append(f"BRH:{brh}")
    lh = 0
    for line in lines:
        count = hits(rng)
        lh += count > 0
        out.append(f"DA:{line},{count}")
    out.append(f"LF:{len(lines)}")
    out.append(f"LH:{lh}")
    out.append("end_of_record")
    return out


def write_lcov(out, size, rng):
    written = 0
    module = file = 0
    while written < size:
        text = "\n".join(lcov_file(rng, module, file)) + "\n"
        out.write(text)
        written += len(text)
        file += 1
        if file % 40 == 0:
            module += 1


def cobertura_class(rng, module, file):
    """One <class> element and its (lines valid, covered, branches valid, covered)."""
    length = rng.randint(120, 700)
    rows = []
    lv = lc = bv = bc = 0
    for number in range(1, length + 1):
        if rng.random() >= 0.6:
            continue
        count = 1 if rng.random() < 0.8 else 0  # coverage.py hits are 0 or 1
        lv += 1
        lc += count
        if rng.random() < 0.15:
            ways = 2 if rng.random() < 0.9 else rng.randint(3, 4)
            taken = rng.randint(0, ways) if count else 0
            bv += ways
            bc += taken
            pct = taken * 100 // ways
            missing = ""
            if taken < ways:
                gone = ",".join(str(number + k + 1) for k in range(ways - taken))
                missing = f' missing-branches="{gone}"'
            rows.append(
                f'\t\t\t\t\t\t<line number="{number}" hits="{count}" branch="true" '
                f'condition-coverage="{pct}% ({taken}/{ways})"{missing}/>'
            )
        else:
            rows.append(f'\t\t\t\t\t\t<line number="{number}" hits="{count}"/>')
    rate = f"{lc / lv:.4g}" if lv else "1"
    brate = f"{bc / bv:.4g}" if bv else "1"
    head = (
        f'\t\t\t\t<class name="file{file}.py" filename="mod{module}/file{file}.py" '
        f'complexity="0" line-rate="{rate}" branch-rate="{brate}">\n'
        "\t\t\t\t\t<methods/>\n\t\t\t\t\t<lines>\n"
    )
    text = head + "\n".join(rows) + "\n\t\t\t\t\t</lines>\n\t\t\t\t</class>\n"
    return text, (lv, lc, bv, bc)


def write_cobertura(out, size, rng):
    body = []
    written = 0
    lv = lc = bv = bc = 0
    module = file = 0
    while written < size:
        classes = []
        for _ in range(40):
            text, (a, b, c, d) = cobertura_class(rng, module, file)
            classes.append(text)
            written += len(text)
            lv, lc, bv, bc = lv + a, lc + b, bv + c, bc + d
            file += 1
            if written >= size:
                break
        body.append(
            f'\t\t<package name="mod{module}" line-rate="0.8" branch-rate="0.7" complexity="0">\n'
            "\t\t\t<classes>\n" + "".join(classes) + "\t\t\t</classes>\n\t\t</package>\n"
        )
        module += 1
    out.write('<?xml version="1.0" ?>\n')
    out.write(
        f'<coverage version="7.6.1" timestamp="1735689600000" lines-valid="{lv}" '
        f'lines-covered="{lc}" line-rate="{lc / max(lv, 1):.4g}" branches-covered="{bc}" '
        f'branches-valid="{bv}" branch-rate="{bc / max(bv, 1):.4g}" complexity="0">\n'
    )
    out.write("\t<!-- Generated by coverage.py: https://coverage.readthedocs.io/en/7.6.1 -->\n")
    out.write(
        "\t<!-- Based on https://raw.githubusercontent.com/cobertura/web/master/htdocs/xml/coverage-04.dtd -->\n"
    )
    out.write(f"\t<sources>\n\t\t<source>{WORKSPACE}/src</source>\n\t</sources>\n")
    out.write("\t<packages>\n")
    for chunk in body:
        out.write(chunk)
    out.write("\t</packages>\n</coverage>\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("format", choices=["lcov", "cobertura"])
    p.add_argument("--size-mb", type=float, default=100.0, help="approximate size (MB, 10^6 bytes)")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    size = int(a.size_mb * 1_000_000)
    with open(a.out, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        (write_lcov if a.format == "lcov" else write_cobertura)(out, size, rng)
    return 0


if __name__ == "__main__":
    sys.exit(main())
