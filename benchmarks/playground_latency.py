"""How fast the playground feels: page load and click-to-rendered-result for a text task.

`hf-tools playground --demo` runs in its own process (calls go to its in-process loopback
server); the page is opened in headless system Chromium (Playwright). Measured from the browser:

* page load: ``goto`` until the first task's Run button is visible (a fresh page each time);
* click to result: clicking Run on text-classification until the labels of THIS click are shown
  (the input text changes every run, so an old result never counts).

Medians (and the worst) over the runs are reported.

Run: .venv/bin/python benchmarks/playground_latency.py [--loads 5] [--runs 20] [--settle 20]
Target: under 300 ms from click to rendered result.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

from playwright.sync_api import sync_playwright


def start_playground() -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_HUB_OFFLINE")}
    env.update(HF_HUB_DISABLE_TELEMETRY="1", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "hf_tools.cli", "playground", "--demo", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"hf-tools playground: (http://\S+)", line)
        if found:
            return process, found.group(1)
    raise SystemExit("the playground did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds to wait for the demo's corpus ingest")
    args = parser.parse_args()
    started = time.perf_counter()
    process, url = start_playground()
    print(f"playground up in {time.perf_counter() - started:.1f} s at {url}")
    time.sleep(args.settle)  # the demo ingests its corpus in the background: measure the page, not that
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            loads = []
            for _ in range(args.loads):
                page = browser.new_page(viewport={"width": 1400, "height": 1200})
                t0 = time.perf_counter()
                page.goto(url)
                page.locator("#text_generation-run").wait_for()
                loads.append(time.perf_counter() - t0)
                page.close()
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            page.goto(url)
            page.locator("#tab-text_classification-button").click()
            page.locator("#text_classification-run").wait_for()
            box = page.locator("#text_classification-text textarea")
            clicks = []
            for i in range(args.runs + 1):
                box.fill(f"I love how simple this library is, take {i}.")
                t0 = time.perf_counter()
                page.click("#text_classification-run")
                page.wait_for_function(
                    "n => { const c = document.querySelector('#text_classification-out-code .cm-content');"
                    " const l = document.querySelector('#text_classification-out-label');"
                    " return c && c.innerText.includes(`take ${n}.`) && l && l.innerText.includes('POSITIVE'); }",
                    arg=i,
                    timeout=30_000,
                    polling="raf",
                )
                if i:  # the first click warms up
                    clicks.append(time.perf_counter() - t0)
            browser.close()
    finally:
        process.terminate()
        process.wait(10)
    print(f"page load:       median {statistics.median(loads) * 1000:.0f} ms, worst {max(loads) * 1000:.0f} ms")
    print(f"click to result: median {statistics.median(clicks) * 1000:.0f} ms, worst {max(clicks) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
