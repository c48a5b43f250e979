"""Human reports (markdown, self-contained HTML, JSON) and the comparison of two runs.

The collector is a pytest plugin registered by conftest.py.  For every scenario
it keeps the area (the module's ``AREA``), the rule and kernel source (from the
docstring), the outcome, and every check with expected and observed bytes or
errno.  JUnit XML comes from pytest itself (``--junitxml``); the checks travel
in it as the testcase property ``checks`` so that ``python3 -m conformance
compare A.xml B.xml`` can show, check by check, where two targets differ.
"""

from __future__ import annotations

import html
import json
import os
import sys
import time
import xml.etree.ElementTree as ET
from collections import OrderedDict
from typing import Dict, List

AREAS = OrderedDict([
    ("test_mdev_core", "mdev core"),
    ("test_css_vfio_ccw", "css / vfio_ccw"),
    ("test_ccw", "ccw devices"),
    ("test_ap_masks", "AP bus and masks"),
    ("test_vfio_ap", "vfio_ap"),
    ("test_oracle_css", "oracle replay, part 1 (css / vfio_ccw / mdev)"),
    ("test_oracle_ap", "oracle replay, part 2 (AP / vfio_ap)"),
])


def _module_of(nodeid: str) -> str:
    path = nodeid.split("::")[0]
    return os.path.splitext(os.path.basename(path))[0]


def area_of(nodeid: str) -> str:
    mod = _module_of(nodeid)
    return AREAS.get(mod, mod)


def scenario_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[1] if "::" in nodeid else nodeid


class Collector:
    """pytest plugin: gathers one record per scenario."""

    def __init__(self, config):
        self.config = config
        self.records: "OrderedDict[str, dict]" = OrderedDict()
        self.envs: Dict[str, str] = {}
        self.started = time.time()

    def note_env(self, module: str, env) -> None:
        self.envs[module.split(".")[-1]] = f"{env.label}, kernel {env.kver}"

    # -- hooks -------------------------------------------------------------
    def pytest_runtest_logreport(self, report):
        rec = self.records.setdefault(report.nodeid, {
            "nodeid": report.nodeid, "area": area_of(report.nodeid),
            "scenario": scenario_of(report.nodeid), "outcome": None,
            "rule": "", "source": "", "checks": [], "message": "", "teardown": ""})
        props = dict(report.user_properties)
        for k in ("rule", "source"):
            if props.get(k):
                rec[k] = props[k]
        if props.get("checks"):
            rec["checks"] = json.loads(props["checks"])
        if report.when == "setup":
            if report.skipped:
                rec["outcome"] = "skipped"
                rec["message"] = _skip_reason(report)
            elif report.failed:
                rec["outcome"] = "error"
                rec["message"] = _short(report)
        elif report.when == "call":
            if hasattr(report, "wasxfail"):
                if report.skipped:
                    rec["outcome"] = "xfailed"
                    rec["message"] = report.wasxfail
                else:
                    rec["outcome"] = "xpassed"
                    rec["message"] = report.wasxfail
            elif report.passed:
                rec["outcome"] = "passed"
            elif report.skipped:
                rec["outcome"] = "skipped"
                rec["message"] = _skip_reason(report)
            else:
                rec["outcome"] = "failed"
                rec["message"] = _short(report)
        elif report.when == "teardown" and report.failed:
            rec["teardown"] = _short(report)
            if rec["outcome"] in ("passed", None):
                rec["outcome"] = "error"
        if rec["outcome"] is None and report.when == "teardown":
            rec["outcome"] = "error"

    def pytest_sessionfinish(self, session):
        rd = self.config.getoption("--report-dir")
        if not rd:
            return
        os.makedirs(rd, exist_ok=True)
        data = self.as_data()
        with open(os.path.join(rd, "results.json"), "w") as f:
            json.dump(data, f, indent=1)
        with open(os.path.join(rd, "report.md"), "w") as f:
            f.write(render_markdown(data))
        with open(os.path.join(rd, "report.html"), "w") as f:
            f.write(render_html(data))

    def pytest_terminal_summary(self, terminalreporter):
        rd = self.config.getoption("--report-dir")
        if rd:
            terminalreporter.write_line(f"conformance reports: {os.path.join(rd, 'report.md')}, "
                                        f"{os.path.join(rd, 'report.html')}")

    def as_data(self) -> dict:
        return {"target": self.config.getoption("--target"),
                "environments": self.envs,
                "generated": time.strftime("%Y-%m-%d %H:%M:%S"),
                "scenarios": list(self.records.values())}


def _skip_reason(report) -> str:
    lr = report.longrepr
    if isinstance(lr, tuple) and len(lr) == 3:
        return str(lr[2]).replace("Skipped: ", "")
    return str(lr)


def _short(report) -> str:
    try:
        crash = report.longrepr.reprcrash
        msg = crash.message
    except AttributeError:
        msg = str(report.longrepr)
    return msg.strip()


# --------------------------------------------------------------------------- rendering

MARK = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "xfailed": "XFAIL (known gap)",
        "xpassed": "XPASS", "error": "ERROR", None: "?"}


def _counts(recs: List[dict]) -> Dict[str, int]:
    c: Dict[str, int] = {}
    for r in recs:
        c[r["outcome"]] = c.get(r["outcome"], 0) + 1
    return c


def _by_area(data: dict) -> "OrderedDict[str, List[dict]]":
    out: "OrderedDict[str, List[dict]]" = OrderedDict()
    for r in data["scenarios"]:
        out.setdefault(r["area"], []).append(r)
    return out


def _md_cell(s) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def render_markdown(data: dict) -> str:
    recs = data["scenarios"]
    c = _counts(recs)
    nchecks = sum(len(r["checks"]) for r in recs)
    lines = [f"# Conformance report: target `{data['target']}`", "",
             f"Generated {data['generated']}. {len(recs)} scenarios, {nchecks} checks run: "
             + ", ".join(f"{MARK[k]} {v}" for k, v in sorted(c.items(), key=lambda kv: str(kv[0]))),
             ""]
    if data.get("environments"):
        lines += ["| module | target |", "|---|---|"]
        lines += [f"| {m} | {_md_cell(e)} |" for m, e in data["environments"].items()]
        lines.append("")
    for area, rs in _by_area(data).items():
        ac = _counts(rs)
        lines += [f"## {area}", "",
                  ", ".join(f"{MARK[k]} {v}" for k, v in sorted(ac.items(), key=lambda kv: str(kv[0]))),
                  "", "| result | scenario | rule | checks |", "|---|---|---|---|"]
        for r in rs:
            ok = sum(1 for x in r["checks"] if x["ok"])
            lines.append(f"| {MARK[r['outcome']]} | `{r['scenario']}` | {_md_cell(r['rule'])} | "
                         f"{ok}/{len(r['checks'])} |")
        lines.append("")
        for r in rs:
            if r["outcome"] in ("passed",):
                continue
            lines += [f"### {MARK[r['outcome']]}: `{r['scenario']}`", "",
                      f"Rule: {r['rule']}", "", f"Source: {r['source']}", ""]
            if r["message"] and r["outcome"] in ("skipped", "xfailed", "xpassed", "error"):
                lines += [f"Reason: {_md_cell(r['message'])}", ""]
            if r.get("teardown"):
                lines += [f"Restore: {_md_cell(r['teardown'])}", ""]
            bad = [x for x in r["checks"] if not x["ok"]]
            if bad:
                lines += ["| operation | path | sent | expected | observed |", "|---|---|---|---|---|"]
                for x in bad:
                    lines.append(f"| {x['op']} | `{x['path']}` | {_md_cell(x['sent'] or '')} | "
                                 f"{_md_cell(x['expected'])} | {_md_cell(x['observed'])} |")
                lines.append("")
            elif r["outcome"] in ("failed", "error") and r["message"]:
                lines += ["```", r["message"], "```", ""]
    return "\n".join(lines) + "\n"


CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px}
table{border-collapse:collapse;margin:.5em 0;width:100%}
td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;font-size:13px}
th{background:#f0f0f0;text-align:left}
code,.mono{font-family:ui-monospace,monospace;font-size:12px}
.passed{background:#e6f6e6}.failed,.error,.xpassed{background:#fbe3e3}
.skipped{background:#f3f3f3}.xfailed{background:#fff4d6}
tr.bad td{background:#fbe3e3} details{margin:2px 0} summary{cursor:pointer}
"""


def _h(s) -> str:
    return html.escape(str(s) if s is not None else "")


def render_html(data: dict) -> str:
    recs = data["scenarios"]
    c = _counts(recs)
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
           f"<title>Conformance report: {_h(data['target'])}</title><style>{CSS}</style></head><body>",
           f"<h1>Conformance report: target <code>{_h(data['target'])}</code></h1>",
           f"<p>Generated {_h(data['generated'])}. {len(recs)} scenarios, "
           f"{sum(len(r['checks']) for r in recs)} checks. "
           + ", ".join(f"{_h(MARK[k])}: {v}" for k, v in sorted(c.items(), key=lambda kv: str(kv[0])))
           + "</p>"]
    if data.get("environments"):
        out.append("<table><tr><th>module</th><th>target</th></tr>")
        out += [f"<tr><td>{_h(m)}</td><td>{_h(e)}</td></tr>" for m, e in data["environments"].items()]
        out.append("</table>")
    for area, rs in _by_area(data).items():
        ac = _counts(rs)
        out.append(f"<h2>{_h(area)}</h2><p>" + ", ".join(
            f"{_h(MARK[k])}: {v}" for k, v in sorted(ac.items(), key=lambda kv: str(kv[0]))) + "</p>")
        out.append("<table><tr><th>result</th><th>scenario</th><th>rule and checks</th></tr>")
        for r in rs:
            ok = sum(1 for x in r["checks"] if x["ok"])
            cls = r["outcome"] or "error"
            det = [f"<b>{_h(r['rule'])}</b><br><span class='mono'>Source: {_h(r['source'])}</span>"]
            if r["message"] and r["outcome"] != "passed":
                det.append(f"<br><i>{_h(r['message'][:2000])}</i>")
            if r.get("teardown"):
                det.append(f"<br><i>restore: {_h(r['teardown'])}</i>")
            if r["checks"]:
                openattr = " open" if r["outcome"] in ("failed", "error", "xpassed") else ""
                det.append(f"<details{openattr}><summary>{ok}/{len(r['checks'])} checks passed</summary>"
                           "<table><tr><th>#</th><th>op</th><th>path</th><th>sent</th>"
                           "<th>expected</th><th>observed</th></tr>")
                for i, x in enumerate(r["checks"], 1):
                    det.append(f"<tr class='{'' if x['ok'] else 'bad'}'><td>{i}</td><td>{_h(x['op'])}</td>"
                               f"<td class='mono'>{_h(x['path'])}</td><td class='mono'>{_h(x['sent'] or '')}</td>"
                               f"<td class='mono'>{_h(x['expected'])}</td>"
                               f"<td class='mono'>{_h(x['observed'])}"
                               f"{(' <i>(' + _h(x['note']) + ')</i>') if x.get('note') else ''}</td></tr>")
                det.append("</table></details>")
            out.append(f"<tr class='{cls}'><td>{_h(MARK[r['outcome']])}</td>"
                       f"<td class='mono'>{_h(r['scenario'])}</td><td>{''.join(det)}</td></tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- compare

def load_junit(path: str) -> "OrderedDict[str, dict]":
    """Scenario key -> {outcome, message, checks, rule} from a pytest JUnit XML file."""
    root = ET.parse(path).getroot()
    out: "OrderedDict[str, dict]" = OrderedDict()
    for tc in root.iter("testcase"):
        cls = tc.get("classname", "")
        name = tc.get("name", "")
        mod = cls.split(".")[-1] if cls else ""
        key = f"{mod}::{name}"
        outcome, message = "passed", ""
        for child in tc:
            tag = child.tag
            if tag == "failure":
                outcome, message = "failed", child.get("message", "")
            elif tag == "error":
                outcome, message = "error", child.get("message", "")
            elif tag == "skipped":
                if child.get("type") == "pytest.xfail":
                    outcome = "xfailed"
                else:
                    outcome = "skipped"
                message = child.get("message", "")
        props = {p.get("name"): p.get("value") for p in tc.iter("property")}
        checks = json.loads(props["checks"]) if props.get("checks") else []
        out[key] = {"outcome": outcome, "message": message, "checks": checks,
                    "rule": props.get("rule", ""), "area": AREAS.get(mod, mod)}
    return out


def _check_key(x: dict, i: int) -> str:
    return f"{i}:{x['op']} {x['path']} {x.get('sent') or ''}"


MAX_NOTES = 12


def compare(a_path: str, b_path: str, out=sys.stdout) -> int:
    a, b = load_junit(a_path), load_junit(b_path)
    keys = list(a.keys()) + [k for k in b.keys() if k not in a]
    diffs = []
    for k in keys:
        ra, rb = a.get(k), b.get(k)
        if ra is None or rb is None:
            diffs.append((k, ra, rb, ["only in " + ("B" if ra is None else "A")]))
            continue
        notes = []
        if ra["outcome"] != rb["outcome"]:
            note = f"outcome {ra['outcome']} vs {rb['outcome']}"
            for side, r in (("A", ra), ("B", rb)):
                if r["outcome"] in ("skipped", "xfailed") and r["message"]:
                    note += f" ({side}: {r['message'][:200]})"
            notes.append(note)
        if ra["outcome"] != "skipped" and rb["outcome"] != "skipped":
            ca = {_check_key(x, i): x for i, x in enumerate(ra["checks"])}
            cb = {_check_key(x, i): x for i, x in enumerate(rb["checks"])}
            cnotes = []
            for ck in list(ca.keys()) + [x for x in cb if x not in ca]:
                xa, xb = ca.get(ck), cb.get(ck)
                if xa is None or xb is None:
                    cnotes.append(f"check `{ck.split(':', 1)[1]}` only in {'B' if xa is None else 'A'}")
                elif xa["observed"] != xb["observed"]:
                    exp = (f"expected {xa['expected']}" if xa["expected"] == xb["expected"] else
                           f"A expected {xa['expected']}, B expected {xb['expected']}")
                    cnotes.append(f"{xa['op']} `{xa['path']}`"
                                  + (f" <- {xa['sent']}" if xa.get("sent") else "")
                                  + f": {exp}; A observed {xa['observed']}; "
                                    f"B observed {xb['observed']}")
            if len(cnotes) > MAX_NOTES:
                cnotes = cnotes[:MAX_NOTES] + [f"... and {len(cnotes) - MAX_NOTES} more checks"]
            notes += cnotes
        if notes:
            diffs.append((k, ra, rb, notes))
    w = out.write
    w(f"# Comparison\n\nA: `{a_path}` ({len(a)} scenarios)  \nB: `{b_path}` ({len(b)} scenarios)\n\n")
    if not diffs:
        w("No differences: every scenario has the same outcome and the same observations.\n")
        return 0
    w(f"{len(diffs)} scenarios differ.\n\n| area | scenario | A | B | differences |\n|---|---|---|---|---|\n")
    for k, ra, rb, notes in diffs:
        area = (ra or rb)["area"]
        w(f"| {area} | `{k}` | {(ra or {}).get('outcome', '-')} | {(rb or {}).get('outcome', '-')} | "
          + "<br>".join(_md_cell(n) for n in notes) + " |\n")
    return 1
