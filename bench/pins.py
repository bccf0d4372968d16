"""PIN hashes: what one check costs with today's KDF (scrypt, N=2^17, r=8, p=1)
next to the PBKDF2 hashes made before (600,000 iterations), in the same run,
and what that means for a thief trying all million 6-digit PINs of one stolen
hash on one core (figures only, no assertions).

    python bench/pins.py [--runs 10]
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.pins import DUMMY_HASH, hash_pin, verify_pin  # noqa: E402


def legacy(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, 600_000)
    return f"pbkdf2_sha256$600000${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def median_seconds(stored: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        verify_pin("000000", stored)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    rows = [("PBKDF2-SHA256 600k (before)", legacy("246810")), ("scrypt 2^17/8/1 (now)", hash_pin("246810")),
            ("scrypt, unknown phone (dummy)", DUMMY_HASH)]
    print(f"one PIN check, median of {runs}; a million guesses on one core")
    for name, stored in rows:
        seconds = median_seconds(stored, runs)
        print(f"  {name:32} {seconds * 1000:7.1f} ms   {seconds * 1e6 / 86400:6.1f} core-days, memory "
              f"{'128 MiB a guess' if stored.startswith('scrypt') else 'none to speak of (GPU-friendly)'}")


if __name__ == "__main__":
    main()
