"""``python3 -m conformance compare A.xml B.xml``: list every scenario where two runs differ.

A and B are JUnit XML files written by runs of this suite (``--junitxml`` or
``--report-dir``), e.g. one against simfs and one against a real host.  The
output is markdown: per differing scenario, the outcomes and each check whose
observed bytes or errno differ.  Exit status 0 when the runs agree, 1 when they
differ, 2 on usage errors.
"""

import argparse
import sys

from .report import compare


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m conformance")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare", help="list every scenario where two JUnit results differ")
    c.add_argument("a", metavar="A.xml")
    c.add_argument("b", metavar="B.xml")
    c.add_argument("-o", "--output", help="write the markdown here instead of stdout")
    args = ap.parse_args(argv)
    if args.cmd == "compare":
        if args.output:
            with open(args.output, "w") as f:
                return compare(args.a, args.b, f)
        return compare(args.a, args.b)
    return 2


if __name__ == "__main__":
    sys.exit(main())
