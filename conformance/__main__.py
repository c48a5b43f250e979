"""Entry points of the conformance suite.

``python3 -m conformance run [pytest options and suite options]``
    Run the whole suite (pytest on this directory), e.g.
    ``/usr/bin/python3 -m conformance run --target=host --report-dir=out``.  Equivalent to
    ``python3 -m pytest conformance ...`` but immune to pytest's quirk that an option value
    placed before the test path hides the path (and with it this suite's options).

``python3 -m conformance compare A.xml B.xml``: list every scenario where two runs differ.

A and B are JUnit XML files written by runs of this suite (``--junitxml`` or
``--report-dir``), e.g. one against simfs and one against a real host.  The
output is markdown: per differing scenario, the outcomes and each check whose
observed bytes or errno differ.  Exit status 0 when the runs agree, 1 when they
differ, 2 on usage errors.

``python3 -m conformance --version``: the project's version (meson.build).  Installed, all
three are ``simfs-conformance ...`` (docs/install.md).
"""

import argparse
import sys

from .report import compare


def version() -> str:
    """meson.build's project() version: written into _version.py when meson installs the
    suite, read from ../meson.build in the source tree."""
    try:
        from ._version import VERSION
        return VERSION
    except ImportError:
        import os
        import re
        src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "meson.build")
        try:
            with open(src) as f:
                m = re.search(r"project\([^)]*?version\s*:\s*'([^']+)'", f.read())
        except OSError:
            m = None
        return m.group(1) if m else "unknown"


def main(argv=None) -> int:
    # simfs-conformance is the installed runner (conformance/simfs-conformance.in).
    prog = "simfs-conformance" if sys.argv[0] == "simfs-conformance" else "python3 -m conformance"
    ap = argparse.ArgumentParser(prog=prog)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("run", help="run the suite: python3 -m conformance run [pytest/suite options]",
                   add_help=False)
    c = sub.add_parser("compare", help="list every scenario where two JUnit results differ")
    c.add_argument("a", metavar="A.xml")
    c.add_argument("b", metavar="B.xml")
    c.add_argument("-o", "--output", help="write the markdown here instead of stdout")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--version"]:
        print(f"simfs-conformance {version()}")
        return 0
    if argv and argv[0] == "run":
        import os
        import pytest
        here = os.path.dirname(os.path.abspath(__file__))
        return int(pytest.main([here, "-p", "no:cacheprovider"] + argv[1:]))
    args = ap.parse_args(argv)
    if args.cmd == "compare":
        if args.output:
            with open(args.output, "w") as f:
                return compare(args.a, args.b, f)
        return compare(args.a, args.b)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:          # e.g. piped into head
        sys.exit(1)
