"""Runs inside `simfs run`: a list of shell steps, one after another, in the
simulated host; writes what each printed and its exit status as JSON.

    python3 stepper.py STEPS.json RESULTS.json

A step is {"name": N, "sh": "command line", "capture": VAR (optional)}; with
"capture", the step's stdout (stripped) is exported as $VAR to later steps.
Every step runs even when an earlier one failed: the test decides.
"""
import json
import os
import subprocess
import sys


def main():
    steps = json.load(open(sys.argv[1]))
    env = dict(os.environ)
    results = []
    for step in steps:
        cp = subprocess.run(["/bin/bash", "-c", step["sh"]], env=env,
                            capture_output=True, text=True, timeout=120)
        results.append({"name": step["name"], "sh": step["sh"], "rc": cp.returncode,
                        "out": cp.stdout, "err": cp.stderr})
        if step.get("capture"):
            env[step["capture"]] = cp.stdout.strip()
    with open(sys.argv[2], "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
