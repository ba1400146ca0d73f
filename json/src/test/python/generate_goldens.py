#!/usr/bin/env python3
"""Generates the golden files of AtomicJsonGoldenTest and AtomicJsonRandomGoldenTest.

Each expected file is what the Python original's ``atomic_json_write`` puts in a file:
``json.dump(data, f, indent=indent, ensure_ascii=False)`` followed by a newline, UTF-8.
The tests never run Python: run this by hand after changing a case, and commit the output.

    python3 json/src/test/python/generate_goldens.py

Random values come from SplitMix64 so that RandomJsonValues.java builds the very same values
for a seed; keep the two generators in step.
"""
import json
import math
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "io", "htmlgraph", "atomic", "json", "golden")
INDENTS = (0, 2, 4)
SEEDS = range(1, 201)
MASK = (1 << 64) - 1


def atomic_json_write(path, data, indent):
    # the body of the original's atomic_json_write, minus the temp file and the rename
    with open(path, "w", encoding="utf-8", newline="") as f:
        json.dump(data, f, indent=indent, ensure_ascii=False)
        f.write("\n")


ALL_CONTROLS = "".join(chr(c) for c in range(0x20))


def nest(levels):
    value = {"deep": [1, 2]}
    for _ in range(levels):
        value = [value]
    return value

CASES = {
    "quick_start": {"session_id": "sess-abc123", "created": "2026-01-08T12:00:00Z", "status": "active"},
    "empty_object": {},
    "empty_list": [],
    "nested_empties": {"a": {}, "b": [], "c": [{}, [], [[]], {"d": {}}]},
    "scalars_null": None,
    "scalars_true": True,
    "scalars_false": False,
    "scalar_string": "just a string",
    "scalar_int": 42,
    "list_of_scalars": [None, True, False, 0, -1, 1, "x", ""],
    "nested_lists": [[1, [2, [3, [4, [5]]]]], [[], [[]]], ["a", ["b"]]],
    "nested_maps": {"a": {"b": {"c": {"d": {"e": "deep"}}}}, "z": 1},
    "mixed": {"id": 7, "tags": ["x", "y"], "owner": {"name": "ann", "roles": []}, "active": True, "parent": None},
    "key_order_kept": {"zebra": 1, "apple": 2, "mango": 3, "Banana": 4, "10": 5, "9": 6},
    "all_control_chars": ALL_CONTROLS,
    "control_chars_as_keys": {c: ord(c) for c in ALL_CONTROLS},
    "quotes_and_backslashes": ['"', "\\", '\\"', '"\\', "a\"b\\c", "\\\\server\\share", "C:\\path\\"],
    "slashes": ["/", "</script>", "http://example.com/a/b"],
    "del_and_separators": ["\x7f", "\u2028", "\u2029", "\x85", "\xa0", "\ufeff", "\ufffe", "\uffff"],
    "non_ascii": {"café": "naïve", "中文": "日本語", "Ελληνικά": "русский", "עברית": "العربية"},
    "emoji": ["😀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "𝄞", "\U0010ffff"],
    "whitespace_strings": [" ", "  leading", "trailing  ", "\ttab", "line1\nline2", "cr\r\nlf"],
    "integers": [0, 1, -1, 127, 128, 255, 256, 32767, -32768, 2147483647, -2147483648,
                 2147483648, 9007199254740993, 9223372036854775807, -9223372036854775808],
    "big_integers": [9223372036854775808, -9223372036854775809, 18446744073709551616,
                     10 ** 30, -(10 ** 30), 2 ** 200, int("9" * 100)],
    "floats": [0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.30000000000000004, 1.5, 100.0, 1e-05, 0.0001,
               1e-4 + 1e-20, 1e16, 1e15, 9999999999999998.0, 1e+100, 1e-100, 1.7976931348623157e308,
               5e-324, 2.2250738585072014e-308, 123456789.123456789, 3.141592653589793,
               2.718281828459045, 1e21, 1e22, 1e23, 6.02214076e23, -2.5e-7, 0.5, 0.25, 1 / 3],
    "booleans_and_null_keys": {"true": True, "false": False, "null": None},
    "deep_nesting": nest(20),
    "long_string": "abcdefghij" * 1000,
    "many_entries": {"k%04d" % i: i for i in range(500)},
    "unicode_keys_and_values_nested": {"ключ": {"🔑": ["値", {"ä": "ö"}]}},
}


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def next_int(self, n):
        return (self.next() >> 1) % n

    def next_signed(self):
        v = self.next()
        return v - (1 << 64) if v >= (1 << 63) else v


SPECIAL_CHARS = ['"', "\\", "/", "\x7f", "\u2028", "\u2029", "\xe9", "\u4e2d", "\ufeff"]


def random_string(r):
    out = []
    for _ in range(r.next_int(12)):
        kind = r.next_int(6)
        if kind == 0:
            out.append(chr(0x20 + r.next_int(95)))
        elif kind == 1:
            out.append(chr(r.next_int(0x20)))
        elif kind == 2:
            out.append(SPECIAL_CHARS[r.next_int(len(SPECIAL_CHARS))])
        elif kind == 3:
            out.append(chr(0x80 + r.next_int(0xD800 - 0x80)))
        elif kind == 4:
            out.append(chr(0x10000 + r.next_int(0x100000)))
        else:
            out.append(chr(ord("a") + r.next_int(26)))
    return "".join(out)


def random_double(r):
    kind = r.next_int(3)
    if kind == 0:
        d = struct.unpack("<d", struct.pack("<Q", r.next()))[0]
        return d if math.isfinite(d) else 0.5
    if kind == 1:
        return r.next_int(100000) / (10.0 ** r.next_int(8))
    return float(r.next_int(2001) - 1000)


def random_value(r, depth):
    kind = r.next_int(7 if depth >= 4 else 9)
    if kind == 0:
        return None
    if kind == 1:
        return r.next_int(2) == 1
    if kind == 2:
        return r.next_int(2001) - 1000
    if kind == 3:
        return r.next_signed()
    if kind == 4:
        return r.next_signed() * (1 << 64) + r.next()
    if kind == 5:
        return random_string(r)
    if kind == 6:
        return random_double(r)
    if kind == 7:
        return [random_value(r, depth + 1) for _ in range(r.next_int(5))]
    d = {}
    for _ in range(r.next_int(5)):
        k = random_string(r)
        d[k] = random_value(r, depth + 1)
    return d


def random_document(seed):
    r = SplitMix64(seed)
    doc = {}
    for _ in range(1 + r.next_int(6)):
        k = random_string(r)
        doc[k] = random_value(r, 1)
    return doc


def float_cases():
    """Doubles whose repr the Java side must match: random bit patterns, every power of two (next to
    one the interval of decimals that read back is lopsided), subnormals, and the neighbours of
    powers of ten and of the notation thresholds 1e-4 and 1e16."""
    r = SplitMix64(0x5EED)
    values = []
    for _ in range(10000):
        d = struct.unpack("<d", struct.pack("<Q", r.next()))[0]
        if math.isfinite(d):
            values.append(d)
    for e in range(-1074, 1024):
        values.append(math.ldexp(1.0, e))
    for e in range(-30, 31):
        p = float("1e%d" % e)
        values += [math.nextafter(p, 0.0), p, math.nextafter(p, math.inf)]
    values += [5e-324, 1e-323, 2.225073858507201e-308, 1.7976931348623157e308, 0.1, 0.2, 0.3]
    values += [-v for v in values[:200]]
    return values


def main():
    os.makedirs(os.path.join(OUT, "expected"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "random"), exist_ok=True)
    # The inputs, ASCII-only (every non-ASCII or control char escaped), read back by the Java test.
    with open(os.path.join(OUT, "cases.json"), "w", encoding="ascii", newline="") as f:
        json.dump(CASES, f, ensure_ascii=True, indent=1)
        f.write("\n")
    for name, value in CASES.items():
        for indent in INDENTS:
            atomic_json_write(os.path.join(OUT, "expected", "%s.indent%d.json" % (name, indent)), value, indent)
    for seed in SEEDS:
        atomic_json_write(os.path.join(OUT, "random", "seed-%d.json" % seed), random_document(seed), seed % 5)
    with open(os.path.join(OUT, "floats.txt"), "w", encoding="ascii", newline="") as f:
        f.write("# IEEE 754 bits of a double, then Python's repr of it\n")
        for d in float_cases():
            f.write("%016x %r\n" % (struct.unpack("<Q", struct.pack("<d", d))[0], d))
    print("python %s: %d cases x %d indents, %d seeds -> %s"
          % (sys.version.split()[0], len(CASES), len(INDENTS), len(SEEDS), os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
