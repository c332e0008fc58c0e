#!/usr/bin/env python3
"""List the file paths an .rpm installs, from its header (no `rpm` tool needed): one path a line;
with -l, each preceded by its mode in octal (`100755 /usr/bin/rekey`).

RPM layout: a 96-byte lead, the signature header (padded to 8 bytes), then the main header, whose
BASENAMES (1117), DIRNAMES (1118) and DIRINDEXES (1116) tags name every file."""
import struct
import sys

MAGIC = b"\x8e\xad\xe8\x01"


def header(data, at):
    if data[at:at + 4] != MAGIC:
        sys.exit(f"rpm-files: no RPM header at byte {at}")
    count, size = struct.unpack(">II", data[at + 8:at + 16])
    index = at + 16
    store = index + 16 * count
    tags = {}
    for i in range(count):
        tag, typ, off, n = struct.unpack(">IIII", data[index + 16 * i:index + 16 * i + 16])
        tags[tag] = (typ, store + off, n)
    return tags, store + size


def strings(data, at, n):
    out = []
    for _ in range(n):
        end = data.index(b"\0", at)
        out.append(data[at:end].decode())
        at = end + 1
    return out


def main(path, long=False):
    data = open(path, "rb").read()
    if data[:4] != b"\xed\xab\xee\xdb":
        sys.exit(f"rpm-files: {path} is not an RPM")
    _, end = header(data, 96)
    end += (8 - end % 8) % 8
    tags, _ = header(data, end)
    if 1117 not in tags:
        return
    _, at, n = tags[1117]
    base = strings(data, at, n)
    _, at, n = tags[1118]
    dirs = strings(data, at, n)
    _, at, n = tags[1116]
    idx = struct.unpack(f">{n}I", data[at:at + 4 * n])
    modes = [None] * len(base)
    if long and 1030 in tags:
        _, at, n = tags[1030]
        modes = struct.unpack(f">{n}H", data[at:at + 2 * n])
    for b, i, m in zip(base, idx, modes):
        print(f"{m:o} {dirs[i]}{b}" if long else dirs[i] + b)


if __name__ == "__main__":
    args = sys.argv[1:]
    long = args[:1] == ["-l"]
    main(args[-1], long)
