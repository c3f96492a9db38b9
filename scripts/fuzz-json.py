#!/usr/bin/env python3
"""Differential fuzzer for the ingest JSON parser (Sources/RouterCore/JSON/JSONParser.swift).

Generates inputs from a seed (valid JSON, mutated and truncated JSON, invalid UTF-8, deep nesting,
long strings with an escape or a special byte at every offset of the eight-byte scan), hands them
to our parser through the test `JSONParserFuzzTests/answersTheFuzzDriver` (which also checks that
`parseCapturingText` and `objectMembers` agree with `parse`), and compares each verdict with
Python's `json` made strict:

- the input must be valid UTF-8 (decoded strictly first), and every string must be valid Unicode
  (a lone surrogate escape is refused);
- duplicate keys are refused, compared by their code points, that is by their UTF-8 bytes;
- NaN, Infinity and non-ASCII digits are refused; numbers are compared as their text;
- nesting deeper than 64 arrays/objects is refused (the parser's default limit).

Our parser's value view is a `[String: JSONValue]`, which holds one of two keys that are
canonically equivalent but differ in bytes (the text keeps both): the reference keeps the first
of such keys too (NFD equality), so values compare alike.

Every disagreement is printed with the input (as a Python bytes literal) and saved under
.build/fuzz-json/; the exit status is 1 when there was one.
"""
import argparse
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import time
import unicodedata

MAX_DEPTH = 64
NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


class Refused(Exception):
    pass


def hexkey(text):
    try:
        return text.encode("utf-8").hex()
    except UnicodeEncodeError:
        raise Refused("lone surrogate")


def number(text):
    if not NUMBER.fullmatch(text):
        raise Refused("number")
    return ("num", text)


def constant(text):
    raise Refused("constant " + text)


def pairs(items):
    seen = set()
    kept = {}
    dropped = []
    normalized = set()
    for key, value in items:
        if key in seen:
            raise Refused("duplicate key")
        seen.add(key)
        hexkey(key)
        nfd = unicodedata.normalize("NFD", key)
        if nfd in normalized:
            # One dictionary key in the value view, the first one; the later value must still
            # be valid (it is checked, and kept in the text).
            dropped.append(value)
            continue
        normalized.add(nfd)
        kept[key] = value
    return ("obj", kept, dropped)


def canonical(value, depth=0):
    if depth > MAX_DEPTH:
        raise Refused("too deep")
    if value is None:
        return "n"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return "s" + hexkey(value) + ";"
    if isinstance(value, list):
        return "[" + ",".join(canonical(v, depth + 1) for v in value) + "]"
    if value[0] == "num":
        return "d" + value[1] + ";"
    _, content, dropped = value
    for item in dropped:
        canonical(item, depth + 1)
    keys = sorted(content, key=lambda k: k.encode("utf-8"))
    return "{" + ",".join(hexkey(k) + ":" + canonical(content[k], depth + 1) for k in keys) + "}"


def reference(data):
    try:
        text = data.decode("utf-8", errors="strict")
        value = json.loads(
            text, object_pairs_hook=pairs, parse_int=number, parse_float=number, parse_constant=constant
        )
        if depth_of(value) > MAX_DEPTH:
            raise Refused("too deep")
        return "ok " + canonical(value)
    except (Refused, ValueError, UnicodeDecodeError, RecursionError):
        return "err"


def depth_of(value):
    # Iterative, so a deep accepted value cannot overflow Python's stack here.
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, tuple) and item[0] == "obj":
            deepest = max(deepest, depth + 1)
            stack.extend((v, depth + 1) for v in list(item[1].values()) + item[2])
    return deepest


# ---------------------------------------------------------------- generation

KEYS = ["a", "b", "properties", "batch", "event", "app_id", "\u00e9", "e\u0301", "\u00c5", "A\u030a",
        "\u212b", "k\u00e9y", "\U0001F600", "", " ", "x" * 9, "\u2028"]
CHARS = (list("abcxyz019 _-./") + ["\u00e9", "e\u0301", "\u4e2d", "\U0001F600", "\u2028", "\ufeff", "\uffff",
         "\x7f", "\u0080", "\u07ff", "\u0800", "\U00010000", "\U0010FFFF"])
ESCAPES = ['\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0041", "\\u00e9", "\\u0000", "\\u001f",
           "\\ud83d\\ude00", "\\uD83D\\uDE00", "\\ud800", "\\udc00", "\\ud800\\u0041", "\\uDBFF\\uDFFF",
           "\\u0065\\u0301", "\\uFFFF"]
BAD_ESCAPES = ["\\x", "\\u12", "\\u12g4", "\\U0041", "\\'", "\\a", "\\", "\\u"]
NUMBERS = ["0", "-0", "1", "-1", "10", "123456789012345678901234567890", "0.5", "-0.0", "1e5", "1E+05", "1e-5",
           "2.5E-3", "0e0", "1.000", "9007199254740993", "1e400", "-1e-400"]
BAD_NUMBERS = ["01", "1.", ".5", "+1", "-", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity", "1.5.2", "--1",
               "\u0661", "1_000", "00"]
WHITESPACE = [" ", "\t", "\n", "\r", "\r\n  "]
BAD_WHITESPACE = ["\f", "\v", "\u00a0", "\u2028", "\x00"]
BAD_UTF8 = [b"\xff", b"\xfe", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xed\xbf\xbf",
            b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\x80", b"\xbf", b"\xc3", b"\xe4\xb8", b"\xf0\x9f\x98",
            b"\xc3\x28", b"\xf8\x88\x80\x80\x80"]
SPECIAL = [b'"', b"\\", b"\x00", b"\x1f", b"\x7f", b"\x80", b"\xc3\xa9", b"\xff", b"\\n", b"\\u00e9", b"\n"]


class Generator:
    def __init__(self, rng):
        self.r = rng

    def ws(self):
        r = self.r.random()
        if r < 0.7:
            return ""
        if r < 0.995:
            return self.r.choice(WHITESPACE)
        return self.r.choice(BAD_WHITESPACE)

    def string_body(self, length=None):
        parts = []
        length = self.r.randint(0, 24) if length is None else length
        for _ in range(length):
            r = self.r.random()
            if r < 0.8:
                parts.append(self.r.choice(CHARS))
            elif r < 0.99:
                parts.append(self.r.choice(ESCAPES))
            elif r < 0.996:
                parts.append(self.r.choice(BAD_ESCAPES))
            else:
                parts.append(chr(self.r.randint(0, 0x1F)))
        return "".join(parts)

    def key(self):
        if self.r.random() < 0.7:
            key = self.r.choice(KEYS)
            # the same key written with an escape: equal bytes once decoded
            if key == "a" and self.r.random() < 0.3:
                return "\\u0061"
            return key.replace("\\", "\\\\").replace('"', '\\"')
        return self.string_body(self.r.randint(0, 6))

    def value(self, depth, budget):
        r = self.r.random()
        if depth < 70 and budget[0] > 0 and r < 0.35:
            budget[0] -= 1
            n = self.r.randint(0, 5)
            if self.r.random() < 0.5:
                items = [self.ws() + self.value(depth + 1, budget) + self.ws() for _ in range(n)]
                return "[" + ",".join(items) + "]" if items else "[" + self.ws() + "]"
            members = []
            for _ in range(n):
                members.append(self.ws() + '"' + self.key() + '"' + self.ws() + ":" + self.ws()
                               + self.value(depth + 1, budget) + self.ws())
            return "{" + ",".join(members) + "}" if members else "{" + self.ws() + "}"
        r = self.r.random()
        if r < 0.35:
            return '"' + self.string_body() + '"'
        if r < 0.6:
            return self.r.choice(NUMBERS) if self.r.random() < 0.97 else self.r.choice(BAD_NUMBERS)
        if r < 0.7:
            return self.r.choice(["true", "false", "null", "tru", "nul", "True", "nulll"][: 3 if self.r.random() < 0.95 else 7])
        return '"' + "".join(self.r.choice(CHARS) for _ in range(self.r.randint(0, 40))) + '"'

    def document(self):
        budget = [self.r.randint(1, 40)]
        if self.r.random() < 0.4:
            # shaped like an ingest body, so the properties captures are exercised
            props = self.value(1, budget) if self.r.random() < 0.2 else self.obj(budget)
            events = ",".join('{"event":"cancel",' + self.ws() + '"properties":' + self.ws() + self.obj(budget) + "}"
                              for _ in range(self.r.randint(0, 3)))
            return self.ws() + '{"properties":' + props + ',' + self.ws() + '"batch":[' + events + "]}" + self.ws()
        return self.ws() + self.value(0, budget) + self.ws()

    def obj(self, budget):
        members = ['"' + self.key() + '":' + self.ws() + self.value(2, budget) for _ in range(self.r.randint(0, 6))]
        return "{" + ",".join(members) + "}"

    def encode(self, text):
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            return text.encode("utf-8", errors="surrogatepass")

    def mutate(self, data):
        data = bytearray(data)
        for _ in range(self.r.randint(1, 4)):
            op = self.r.random()
            position = self.r.randint(0, len(data))
            if op < 0.25 and data:
                data[min(position, len(data) - 1)] = self.r.randint(0, 255)
            elif op < 0.45 and data:
                del data[min(position, len(data) - 1)]
            elif op < 0.7:
                data[position:position] = self.r.choice(SPECIAL + BAD_UTF8 + [b"{", b"}", b"[", b"]", b",", b":", b"1"])
            elif op < 0.85:
                data = data[:position]
            elif data:
                start = self.r.randint(0, len(data) - 1)
                piece = data[start:start + self.r.randint(1, 16)]
                data[position:position] = piece
        return bytes(data)

    def scan_offsets(self):
        # A long string with one special byte (or escape) at an offset around the 8-byte words.
        offset = self.r.randint(0, 40)
        tail = self.r.randint(0, 20)
        special = self.r.choice(SPECIAL + BAD_UTF8 + [e.encode() for e in ESCAPES])
        body = b"a" * offset + special + b"b" * tail
        if self.r.random() < 0.5:
            return b'{"properties":{"k":"' + body + b'"},"' + body + b'":1}'
        return b'"' + body + b'"'

    def deep(self):
        depth = self.r.choice([MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 2, 200, 100_000])
        kind = self.r.random()
        if kind < 0.4:
            return b"[" * depth + b"]" * depth
        if kind < 0.8:
            return b'{"a":' * depth + b"1" + b"}" * depth
        text = b"".join(self.r.choice([b"[", b'{"p":']) for _ in range(depth))
        return text + b"]" * depth if self.r.random() < 0.5 else text

    def next(self):
        r = self.r.random()
        if r < 0.35:
            return self.encode(self.document())
        if r < 0.75:
            return self.mutate(self.encode(self.document()))
        if r < 0.9:
            return self.scan_offsets()
        if r < 0.95:
            return self.deep()
        return bytes(self.r.randint(0, 255) for _ in range(self.r.randint(0, 12)))


# ---------------------------------------------------------------- driving

def run_ours(inputs, workdir):
    input_path = os.path.join(workdir, "inputs.bin")
    output_path = os.path.join(workdir, "verdicts.txt")
    with open(input_path, "wb") as f:
        for data in inputs:
            f.write(struct.pack("<I", len(data)))
            f.write(data)
    env = dict(os.environ, RR_JSON_FUZZ_INPUT=input_path, RR_JSON_FUZZ_OUTPUT=output_path)
    subprocess.run(["swift", "test", "--skip-build", "--filter", "JSONParserFuzzTests/answersTheFuzzDriver"],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(output_path, "rb") as f:
        lines = f.read().decode().split("\n")
    if len(lines) != len(inputs) + 1:
        sys.exit(f"fuzz-json: expected {len(inputs)} verdicts, got {len(lines) - 1}")
    return lines[:-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=20000, help="inputs per run of the Swift side")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    generator = Generator(rng)
    os.makedirs(".build/fuzz-json", exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="fuzz-json.", dir=".build/fuzz-json")
    started = time.monotonic()
    total = accepted = 0
    disagreements = []
    while time.monotonic() - started < args.seconds:
        inputs = [generator.next() for _ in range(args.batch)]
        ours = run_ours(inputs, workdir)
        for data, verdict in zip(inputs, ours):
            expected = reference(data)
            mine = "err" if verdict.startswith("err ") else verdict
            total += 1
            accepted += expected != "err"
            if mine != expected:
                disagreements.append((data, verdict, expected))
        if disagreements:
            break
    print(f"fuzz-json: seed {args.seed}: {total} inputs ({accepted} valid) in {time.monotonic() - started:.0f} s, "
          f"{len(disagreements)} disagreements")
    if disagreements:
        path = os.path.join(workdir, "disagreements.txt")
        with open(path, "w") as f:
            for data, verdict, expected in disagreements:
                line = f"input {data!r}\n  ours      {verdict[:300]}\n  reference {expected[:300]}\n"
                f.write(line)
        for data, verdict, expected in disagreements[:10]:
            print(f"input {data[:400]!r}\n  ours      {verdict[:300]}\n  reference {expected[:300]}")
        print(f"all of them: {path}")
        sys.exit(1)


if __name__ == "__main__":
    main()
