"""The ``hpf`` command line: ``hpf serve``, ``hpf run-schedule NAME``, ``hpf archive verify|tree-head``."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from datetime import UTC
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hpf", description="housing provident fund platform")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the whole platform on this machine (loopback only)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("HPF_PORT", "8080")),
                       help="gateway port (default 8080; 0 = any free port)")
    serve.add_argument("--aws-port", type=int, default=0, help="embedded AWS endpoint port (default: any free)")
    serve.add_argument("--identity-port", type=int, default=0, help="identity sandbox port (default: any free)")
    serve.add_argument("--no-demo", action="store_true", help="start without the demo data set")

    run = commands.add_parser("run-schedule", help="fire one schedule of the running local platform now")
    run.add_argument("name", nargs="?", help="schedule name, e.g. outbox-sweep (omit to list them)")

    archive = commands.add_parser("archive", help="the electronic archive of the running local platform")
    archive.add_argument("action", choices=["verify", "tree-head", "bind-month"],
                         help="verify: check every file, record, log entry and tree head (exit 1 on a finding); "
                              "tree-head: sign the solidification log's tree head now; "
                              "bind-month: bind a closed month's accounting archive (default: last month)")
    archive.add_argument("--month", help="with bind-month: YYYY-MM")

    seed = commands.add_parser("seed-data", help="write the deterministic synthetic data set as Parquet")
    seed.add_argument("--units", type=int, default=6_000)
    seed.add_argument("--depositors", type=int, default=200_000)
    seed.add_argument("--years", type=int, default=5)
    seed.add_argument("--seed", type=int, default=20261127)
    seed.add_argument("--out", type=Path, default=None, help="directory (default .hpf/data/<size>)")
    seed.add_argument("--load", type=int, metavar="UNITS", default=0,
                      help="instead: load this many synthetic units into the running local platform")
    seed.add_argument("--per-unit", type=int, default=20, help="with --load: depositors per unit at most")

    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "seed-data":
        return _seed_data(args)
    if args.command == "archive":
        return _archive(args.action, args.month)
    return _run_schedule(args.name)


def _seed_data(args: argparse.Namespace) -> int:
    import time

    from hpf.analytics.synthetic import Size, generate

    if args.load:
        return _load_slice(args.load, args.per_unit)

    size = Size(units=args.units, depositors=args.depositors, years=args.years, seed=args.seed)
    out = args.out or _state_dir() / "data" / f"u{size.units}-d{size.depositors}-y{size.years}-s{size.seed}"
    started = time.perf_counter()
    counts = generate(size, out)
    print(f"hpf: wrote {out} in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{table} {rows:,}" for table, rows in counts.items()))
    return 0


def _state_dir() -> Path:
    from hpf.local.template import ROOT

    return Path(os.environ.get("HPF_STATE_DIR") or ROOT / ".hpf")


def _serve(args: argparse.Namespace) -> int:
    state_dir = _state_dir()
    os.environ["HPF_LOG_FILE"] = str(state_dir / "logs" / "functions.log")
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per embedded-endpoint request otherwise

    from hpf.local.demo import load_demo, write_tokens
    from hpf.local.platform import LocalPlatform

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    platform = LocalPlatform(port=args.port, aws_port=args.aws_port, identity_port=args.identity_port,
                             state_dir=state_dir)
    print("hpf: starting the local platform…", flush=True)
    try:
        platform.start()
        demo = None if args.no_demo else load_demo(platform.identity, platform.gateway_url, platform.banks,
                                                   platform.licences, platform.bigdata)
        _print_summary(platform, demo, state_dir)
        if demo:
            write_tokens(platform.identity, demo.users, state_dir / "tokens")
            threading.Thread(target=_first_snapshot, args=(platform, stop), daemon=True).start()
        print("hpf: ready", flush=True)
        # Staff tokens live 15 minutes: the demo's token files are written anew every 10, so the README's curl
        # commands keep working for as long as the platform runs.
        while not stop.wait(600):
            if demo:
                write_tokens(platform.identity, demo.users, state_dir / "tokens")
    finally:
        print("hpf: stopping…", flush=True)
        _stop_within(platform, STOP_DEADLINE_SECONDS)
    return 0


STOP_DEADLINE_SECONDS = 30
SNAPSHOT_DELAY_SECONDS = 15  # the demo's remittances are posted by then (each takes a second or two)


def _stop_within(platform, seconds: float) -> None:  # noqa: ANN001
    """Stop everything in order; if something still hangs after ``seconds``, name it and end the process
    anyway — Ctrl-C must leave nothing running (a CI run once saw a stop exceed 60 s; not reproduced since)."""
    stopper = threading.Thread(target=platform.stop, name="hpf-stop", daemon=True)
    stopper.start()
    stopper.join(seconds)
    if stopper.is_alive():
        running = sorted(t.name for t in threading.enumerate() if t is not threading.current_thread())
        print(f"hpf: stop exceeded {seconds:.0f} s; still running: {', '.join(running)}", file=sys.stderr, flush=True)
    print("hpf: stopped", flush=True)
    sys.stdout.flush()
    # Leftover daemon or library threads must not keep the process (and its ports) alive after a stop.
    os._exit(0)


def _first_snapshot(platform, stop: threading.Event) -> None:  # noqa: ANN001
    """The cockpit reads the nightly snapshot: the demo takes one once its postings have run, labelled today."""
    from datetime import UTC, datetime, timedelta

    if stop.wait(SNAPSHOT_DELAY_SECONDS):
        return
    for rule in platform.scheduler.rules():
        if rule["Name"].endswith("-ledger-snapshot"):
            platform.scheduler.fire(rule, datetime.now(UTC) + timedelta(days=1))


def _print_summary(platform, demo, state_dir: Path) -> None:  # noqa: ANN001
    from hpf.local.demo import DEMO_CARD

    lines = [
        "",
        "hpf-platform is running (loopback only)",
        f"  gateway            {platform.gateway_url}/<area>/...   areas: {', '.join(platform.areas)}",
        f"  staff console      {platform.gateway_url}/console/   (sign in as a staff demo user)",
        f"  mobile APP         {platform.gateway_url}/app/   (sign in as depositor01)",
        f"  personal web hall  {platform.gateway_url}/hall/   (sign in as depositor01)",
        f"  unit web hall      {platform.gateway_url}/unit/   (sign in as unitagent01)",
        f"  operations console {platform.gateway_url}/ops/   (sign in as operator01)",
        f"  developer hall     {platform.gateway_url}/developer/   (sign in as developer01)",
        *[f"  openapi            {platform.gateway_url}/{area}/openapi.json" for area in platform.areas],
        f"  AWS endpoint       {platform.aws.endpoint}   (AWS_ENDPOINT_URL; any access key)",
        f"  identity sandbox   {platform.identity_url}   admin key: {platform.identity.admin_key}",
        f"  function logs      {platform.log_file}",
        f"  state              {state_dir / 'local.json'}",
        "  schedules          " + ", ".join(r["Name"] for r in platform.scheduler.rules())
        + "   (fire one: hpf run-schedule NAME)",
        "  bank sandboxes     " + ", ".join(f"{code} {bank.name}" for code, bank in platform.banks.items())
        + "   (BDC over TCP; settlement pays through them)",
        f"  e-seal sandbox     {platform.seal_url}   (the center's seal, clerks' signatures, time stamps; root at /ca)",
        f"  e-licence sandbox  {platform.licence_url}   (licences and holders' authorization codes: /admin/...)",
        f"  big-data center    {platform.bigdata_url}   (the exchange gateway's 21 sources: /admin/records, /admin/faults)",
        "  banks' loan data   " + ", ".join(f"{name} {gateway.dialect.name}" for name, gateway in platform.bank_data.items())
        + "   (S.6.1, each its own dialect)",
        "  national platform  全国住房公积金数据共享平台 sandbox (S.9.7; SM2/SM4, keys in 数据共享管理 → 证书管理)",
        f"  leader cockpit     {platform.gateway_url}/console/leader/cockpit   (leader01; from the nightly ledger "
        f"snapshot: the demo takes one {SNAPSHOT_DELAY_SECONDS} s after start, another: hpf run-schedule ledger-snapshot)",
        "  archive            hpf archive verify | tree-head | bind-month   (the solidification trail, monthly volumes)",
    ]
    if demo:
        lines += ["", "demo users (password, role, office) — tokens in " + str(state_dir / "tokens") + "/<user>.jwt"]
        for user in demo.users:
            scope = user.org or user.unit_account or ""
            lines.append(f"  {user.username:<12} {user.password:<18} {','.join(user.roles):<14} {scope}")
        lines += [
            "",
            f"demo units {', '.join(demo.unit_accounts)}; accounts {', '.join(demo.account_numbers)}; "
            f"loans {', '.join(demo.loans)}",
            f"depositor01 (李华): bank card {DEMO_CARD}; e-licence authorization code (赣服通) {demo.licence_code}",
            "try:",
            f"  curl -s -H \"Authorization: Bearer $(cat {state_dir}/tokens/depositor01.jwt)\" "
            f"{platform.gateway_url}/ledger/accounts/{demo.account_numbers[0]}",
            f"  curl -s -H \"Authorization: Bearer $(cat {state_dir}/tokens/clerk01.jwt)\" "
            f"{platform.gateway_url}/ledger/accounts/{demo.account_numbers[0]}/entries",
        ]
    lines += ["", "Ctrl-C stops everything.", ""]
    print("\n".join(lines), flush=True)


def _load_slice(units: int, per_unit: int) -> int:
    state_file = _state_dir() / "local.json"
    token_file = _state_dir() / "tokens" / "clerk01.jwt"
    if not state_file.exists() or not token_file.exists():
        print("hpf: no local platform with demo users is running (start it with scripts/serve)", file=sys.stderr)
        return 2
    from hpf.local.seed_load import load_slice

    state = json.loads(state_file.read_text(encoding="utf-8"))
    finance_token = (token_file.parent / "finance01.jwt").read_text(encoding="utf-8").strip()
    loaded = load_slice(state["gateway"], token_file.read_text(encoding="utf-8").strip(), finance_token, units,
                        per_unit)
    print(f"hpf: loaded {loaded['units']} units, {loaded['accounts']} accounts, "
          f"{loaded['remittances']} remittances recorded and funded for this month")
    return 0


def _local_clients(*services: str) -> tuple[dict, list] | None:
    """The running local platform's state and clients of its embedded endpoint (None: nothing running)."""
    state_file = _state_dir() / "local.json"
    if not state_file.exists():
        print("hpf: no local platform is running (start it with scripts/serve)", file=sys.stderr)
        return None
    state = json.loads(state_file.read_text(encoding="utf-8"))
    import boto3

    session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local",
                                    region_name=state["region"])
    return state, [session.client(s, endpoint_url=state["aws_endpoint"]) for s in services]


def _archive(action: str, month: str | None = None) -> int:
    found = _local_clients("lambda")
    if found is None:
        return 2
    state, (lam,) = found
    suffix = {"verify": "archive-verify", "tree-head": "archive-tree-head",
              "bind-month": "bind-accounting-month"}[action]
    event = {"month": month} if month else {}
    result = lam.invoke(FunctionName=f"hpf-{state['stage']}-{suffix}", Payload=json.dumps(event).encode())
    payload = json.loads(result["Payload"].read() or b"null")
    if "FunctionError" in result:
        print(f"hpf: {suffix} failed: {payload}", file=sys.stderr)
        return 1
    if action == "tree-head":
        print(f"hpf: tree head signed: size {payload['size']}, root {payload['root']}")
        return 0
    if action == "bind-month":
        print(f"hpf: {payload['month']} bound: volume {payload['volume']} ({payload['archival_code']})")
        return 0
    print(f"hpf: checked {payload['entries']} log entries, {payload['records']} records, "
          f"{payload['tree_heads']} signed tree heads")
    for finding in payload["findings"]:
        print(f"  FAIL {finding['check']:<24} {finding['subject']}: {finding['detail']}")
    if payload.get("unreferenced"):
        print(f"hpf: {len(payload['unreferenced'])} stored file(s) no record points to (simultaneous first filings; "
              f"the archived original is intact): {', '.join(payload['unreferenced'][:5])}")
    print("hpf: archive intact" if payload["intact"] else f"hpf: {len(payload['findings'])} finding(s)")
    return 0 if payload["intact"] else 1


def _run_schedule(name: str | None) -> int:
    found = _local_clients("events", "lambda")
    if found is None:
        return 2
    state, (events, lam) = found
    prefix = f"hpf-{state['stage']}-"
    rules = [r for r in events.list_rules()["Rules"] if r.get("ScheduleExpression")]
    if not name:
        for rule in rules:
            print(f"{rule['Name'].removeprefix(prefix):<24} {rule['ScheduleExpression']:<24} {rule.get('State')}")
        return 0
    matching = [r for r in rules if r["Name"] in (name, prefix + name)]
    if not matching:
        known = ", ".join(r["Name"].removeprefix(prefix) for r in rules)
        print(f"hpf: no schedule named {name} (known: {known})", file=sys.stderr)
        return 2
    from datetime import datetime

    from hpf.local.schedules import scheduled_event

    rule = matching[0]
    event = scheduled_event(rule["Name"], rule["Arn"], datetime.now(UTC), rule["Arn"].split(":")[4],
                            state["region"])
    status = 0
    for target in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]:
        result = lam.invoke(FunctionName=target["Arn"], Payload=json.dumps(event).encode())
        payload = result["Payload"].read().decode()
        failed = "FunctionError" in result
        status = status or (1 if failed else 0)
        print(f"{target['Arn'].split(':')[-1]}: {'FAILED ' if failed else ''}{payload}")
    return status


if __name__ == "__main__":
    sys.exit(main())
