#!/usr/bin/env python3
"""Verify a slaledger segment log without slaledger (docs/FORMAT.md).

Usage: python3 docs/verify_ledger.py LEDGER_DIR [SEQ:HASH]

Needs only the standard library and the `blake3` package (pip install blake3).
Checks every segment header, frame checksum, sequence number and chain hash,
and prints the head; with SEQ:HASH also checks that the ledger still holds a
head kept earlier. Exit 0 only when everything holds. Record bodies are not
decoded here: the chain proves they are the bytes that were appended.
"""
import os
import struct
import sys
import zlib

import blake3

CHAIN_TAG = b"slaledger/chain/v1\x00"
GENESIS = blake3.blake3(b"slaledger/genesis/v1").digest()
MAGIC = b"SLALOG01"
FLAG_BATCH_END = 1


def fail(msg):
    print("FAILED:", msg)
    sys.exit(2)


def main():
    ledger = sys.argv[1]
    expect = None
    if len(sys.argv) > 2:
        s, h = sys.argv[2].split(":")
        expect = (int(s), bytes.fromhex(h))
    log = os.path.join(ledger, "log")
    names = sorted(n for n in os.listdir(log) if n.startswith("seg-") and n.endswith(".log"))
    prev, nxt, committed, seen = GENESIS, 1, (0, GENESIS), {}
    for name in names:
        data = open(os.path.join(log, name), "rb").read()
        if len(data) < 48 or data[:8] != MAGIC:
            fail(f"{name}: bad segment header")
        first, prev_hash = struct.unpack_from("<Q", data, 8)[0], data[16:48]
        if first != nxt or prev_hash != prev or int(name[4:24]) != first:
            fail(f"{name}: does not continue the chain at seq {nxt}")
        off = 48
        while off < len(data):
            if len(data) - off < 49:
                fail(f"{name} byte {off}: incomplete frame (torn tail)")
            (length,) = struct.unpack_from("<I", data, off)
            end = off + 49 + length
            if end > len(data):
                fail(f"{name} byte {off}: incomplete frame (torn tail)")
            flags = data[off + 4]
            (seq,) = struct.unpack_from("<Q", data, off + 5)
            record = data[off + 13 : off + 13 + length]
            stored = data[off + 13 + length : end - 4]
            (crc,) = struct.unpack_from("<I", data, end - 4)
            if zlib.crc32(data[off : end - 4]) != crc:
                fail(f"seq {nxt}: frame checksum mismatch")
            if seq != nxt:
                fail(f"found seq {seq} where {nxt} was expected")
            h = blake3.blake3(CHAIN_TAG + prev + struct.pack("<Q", seq) + record).digest()
            if h != stored:
                fail(f"seq {seq}: chain hash mismatch (content changed)")
            seen[seq] = h
            prev, nxt, off = h, nxt + 1, end
            if flags & FLAG_BATCH_END:
                committed = (seq, h)
    if committed[0] != nxt - 1:
        fail(f"records after seq {committed[0]} belong to an unfinished batch (torn tail)")
    if expect and (expect[0] > committed[0] or (expect[0] > 0 and seen.get(expect[0]) != expect[1])):
        fail(f"the ledger does not hold the kept head {sys.argv[2]}")
    print(f"ok: {committed[0]} record(s) verify; head {committed[0]}:{committed[1].hex()}")


if __name__ == "__main__":
    main()
