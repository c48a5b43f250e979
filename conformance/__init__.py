"""s390 sysfs conformance suite: the same scenarios for simfs and for real s390x hosts.

See README.md.  Entry points: ``python3 -m pytest conformance`` (run) and
``python3 -m conformance compare A.xml B.xml`` (compare two runs).
"""
