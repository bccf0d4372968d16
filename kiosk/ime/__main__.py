"""python -m kiosk.ime [--name] PINYIN: the top candidates, best first."""
import argparse
import sys

from kiosk.ime.engine import PinyinEngine


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.ime", description=__doc__)
    parser.add_argument("--name", action="store_true", help="name mode: surname + given name")
    parser.add_argument("-n", "--top", type=int, default=10, help="how many candidates")
    parser.add_argument("pinyin")
    args = parser.parse_args(argv)
    engine = PinyinEngine()
    for candidate in engine.candidates(args.pinyin, name=args.name)[:args.top]:
        print(candidate.text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
