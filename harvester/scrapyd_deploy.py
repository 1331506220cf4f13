"""`make scrapyd-deploy`: scrapyd-deploy, but failing when Scrapyd refuses the egg.

scrapyd-deploy exits 0 whenever the upload got an HTTP 200, even when Scrapyd's JSON
says `"status": "error"` (an egg whose spiders do not load, for instance). This wrapper
runs it from the project root, reads the JSON it prints, and exits 1 with Scrapyd's
message unless the status is "ok" and the egg holds spiders.

    python -m harvester.scrapyd_deploy [TARGET] [scrapyd-deploy options...]

TARGET is a `[deploy:TARGET]` section of scrapy.cfg; without one, `env` (SCRAPYD_URL)
when SCRAPYD_URL is set, else the default `[deploy]` target.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scrapyd_deploy_command() -> list[str]:
    """The scrapyd-deploy of this Python's environment, else the one on PATH."""
    local = Path(sys.executable).parent / "scrapyd-deploy"
    found = str(local) if local.exists() else shutil.which("scrapyd-deploy")
    if not found:
        raise SystemExit("scrapyd-deploy: not installed (pip install scrapyd-client, or the test extra)")
    return [found]


def verdict(returncode: int, stdout: str, stderr: str) -> tuple[bool, str]:
    """(deployed?, one line to show) from a scrapyd-deploy run."""
    reply = None
    for line in reversed(stdout.splitlines()):
        if line.strip().startswith("{"):
            try:
                reply = json.loads(line)
                break
            except ValueError:
                continue
    if returncode != 0 or reply is None:
        said = " ".join((stdout + "\n" + stderr).split())
        return False, f"scrapyd-deploy failed (exit {returncode}): {said[-500:]}"
    if reply.get("status") != "ok":
        message = " ".join(str(reply.get("message", reply)).split())
        return False, f"Scrapyd refused the egg: {message[-500:]}"
    if not reply.get("spiders"):
        return False, f"Scrapyd took version {reply.get('version')} but found no spiders in it"
    return True, (f"deployed {reply.get('project')} version {reply.get('version')} "
                  f"with {reply['spiders']} spiders")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0].startswith("-"):
        args.insert(0, "env" if os.environ.get("SCRAPYD_URL") else "default")
    if args[0] == "env" and not os.environ.get("SCRAPYD_URL"):
        print("scrapyd-deploy env: set SCRAPYD_URL (e.g. http://127.0.0.1:6800/)", file=sys.stderr)
        return 2
    result = subprocess.run([*scrapyd_deploy_command(), *args], cwd=ROOT, capture_output=True, text=True)
    ok, line = verdict(result.returncode, result.stdout, result.stderr)
    print(line, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
