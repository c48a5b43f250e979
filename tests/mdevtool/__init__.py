"""mdevtool's behaviour tests.

A package, so that pytest imports this directory's conftest.py as
"mdevtool.conftest" and leaves the name "conftest" to tests/conftest.py,
which sibling test modules import by that name.
"""
