"""``LocalPlatform``: start and stop the whole platform in this process (used by ``hpf serve`` and tests)."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hpf.adapters.aws.clients import client
from hpf.local.aws import ACCOUNT, REGION, EmbeddedAws, apply_dropped_properties, create_stack, free_port, with_defaults
from hpf.local.dispatch import FunctionRegistry, load_app_module
from hpf.local.runners import QueuePoller, Scheduler, StreamPoller, start_loop
from hpf.local.sam import platform_template
from hpf.local.template import ROOT, package_locally
from hpf.sandbox.identity import IdentitySandbox
from hpf.sandbox.server import BackgroundServer

STAGE = "local"
API_HANDLER = "app.handler"  # the template's handler of each area's API function
STACK = "hpf-local"


@dataclass
class LocalPlatform:
    port: int = 0  # the gateway; 0 = any free port
    aws_port: int = 0
    identity_port: int = 0
    state_dir: Path = ROOT / ".hpf"
    settlement_mode: str = "bank"  # "manual": instructions wait for a person (the fault campaign drives the steps)
    bank_timeout: float = 30.0  # seconds the center waits for a bank (4.1.2); the fault campaign shortens it
    # Exposed after start():
    aws: EmbeddedAws | None = None
    identity: IdentitySandbox = field(default_factory=IdentitySandbox)
    registry: FunctionRegistry = field(default_factory=FunctionRegistry)
    physical: dict[str, str] = field(default_factory=dict)
    scheduler: Scheduler | None = None
    banks: dict[str, Any] = field(default_factory=dict)  # bank code → BankSandbox (tests inject faults here)
    seal: Any = None  # the e-seal system's sandbox (SealSandbox)
    licences: Any = None  # the e-licence library's sandbox (LicenceLibrarySandbox)
    bigdata: Any = None  # the big-data center's exchange gateway sandbox (ExchangeGatewaySandbox)
    bank_data: dict[str, Any] = field(default_factory=dict)  # icbc, ccb, boc → their loan-detail gateway sandboxes
    national: Any = None  # the 全国住房公积金数据共享平台's sandbox (S.9.7)
    _servers: list[BackgroundServer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    gateway_url: str = ""
    identity_url: str = ""
    seal_url: str = ""
    licence_url: str = ""
    bigdata_url: str = ""

    @property
    def log_file(self) -> Path:
        return self.state_dir / "logs" / "functions.log"

    def start(self) -> LocalPlatform:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("HPF_LOG_FILE", str(self.log_file))
        os.environ["HPF_STAGE"] = STAGE

        identity_server = BackgroundServer(self.identity, self.identity_port).start()
        self._servers.append(identity_server)
        self.identity_url = identity_server.url

        self.aws = EmbeddedAws(self.aws_port)
        self.aws.start(self.registry)

        from hpf.local.banks import start_banks

        self.banks, bank_links = start_banks(self.bank_timeout)
        self.seal_url = self._start_seal_system()
        self.licence_url = self._start_licence_library()
        self.bigdata_url = self._start_exchange_gateway()
        # The gateway's port is chosen now: vouchers print it in their QR codes (PublicBaseUrl).
        self.port = self.port or free_port()
        template = platform_template()
        packaged = package_locally(template)
        parameters = {"Stage": STAGE, "IdentityIssuer": self.identity.issuer.issuer,
                      "IdentityRevocationUrl": f"{self.identity_url}/oauth/revoked", "IdentityRevocationMaxAge": "1",
                      "IdentityJwks": json.dumps(self.identity.issuer.jwks()), "SettlementMode": self.settlement_mode,
                      "BankLinks": bank_links, "SettlementQueryWaitSeconds": "1", "SettlementMaxQueries": "3",
                      "SettlementRetryIntervalSeconds": "1", "SealSystemUrl": self.seal_url,
                      "SealAppKey": self.seal.app_key, "SealTimeStamp": "with_signature",
                      "SealTrustRoots": self.seal.root_pem().decode(),
                      "PublicBaseUrl": f"http://127.0.0.1:{self.port}", "LicenceLibraryUrl": self.licence_url,
                      "LicenceAppKey": self.licences.app_key, "VoucherCodeKey": os.urandom(16).hex(),
                      "BigDataUrl": self.bigdata_url, "BigDataClientId": next(iter(self.bigdata.clients)),
                      "BigDataSecret": next(iter(self.bigdata.clients.values())),
                      "BankDataGateways": self._start_bank_data_gateways(), "ConfigKey": self._config_key(),
                      "NationalDataGateway": self._start_national_platform()}
        self.physical = create_stack(STACK, packaged, parameters)
        apply_dropped_properties(template, self.physical, with_defaults(template, parameters))

        for logical_id, source in packaged.functions.items():
            self.registry.register(self.physical[logical_id], source)
        self._adopt_function_environments()
        self._hand_over_bank_keys()

        for definition in packaged.event_sources:
            function = self.physical[definition.function_logical_id]
            source_id, attribute = definition.source["Fn::GetAtt"]
            if attribute == "StreamArn":
                stream_arn = client("dynamodb").describe_table(
                    TableName=self.physical[source_id])["Table"]["LatestStreamArn"]
                poller: Any = StreamPoller(self.registry, function, stream_arn, definition.batch_size,
                                           definition.maximum_retry_attempts)
                idle = 0.2
            else:
                queue_arn = client("sqs").get_queue_attributes(
                    QueueUrl=self.physical[source_id], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                poller = QueuePoller(self.registry, function, queue_arn, definition.batch_size)
                idle = 0.0  # the poll itself waits up to a second
            self._threads.append(start_loop(definition.logical_id, poller.step, self._stop, idle))

        self._connect_bank_fronts()
        self.scheduler = Scheduler(self.registry, ACCOUNT, REGION)
        self._threads.append(start_loop("scheduler", self.scheduler.step, self._stop, 1.0))

        from hpf.local.gateway import Gateway
        from hpf.local.web import FrontEnds, register_clients

        apps = {source.code_dir.name: load_app_module(source.code_dir).app
                for source in packaged.functions.values() if source.handler == API_HANDLER}
        register_clients(self.identity, f"http://127.0.0.1:{self.port}")
        front_ends = FrontEnds(Gateway(apps), self.identity_url, storage_url=self.aws.endpoint)
        gateway_server = BackgroundServer(front_ends, self.port).start()
        self._servers.append(gateway_server)
        self.gateway_url = gateway_server.url
        self.areas = sorted(apps)
        self._write_state()
        return self

    def _start_seal_system(self) -> str:
        """The e-seal system's sandbox, with a personal signature for each demo staff member (加签, approval nodes)."""
        from hpf.local.demo import STAFF
        from hpf.sandbox.seal import SealSandbox
        from hpf.seal.service import staff_seal_code

        self.seal = SealSandbox()
        for user in STAFF:
            if user.kind == "staff":
                self.seal.register(staff_seal_code(user.username), user.name, "person")
        server = BackgroundServer(self.seal).start()
        self._servers.append(server)
        return server.url

    def _start_licence_library(self) -> str:
        from hpf.sandbox.licences import LicenceLibrarySandbox

        self.licences = LicenceLibrarySandbox()
        server = BackgroundServer(self.licences).start()
        self._servers.append(server)
        return server.url

    def _start_exchange_gateway(self) -> str:
        from hpf.sandbox.bigdata import ExchangeGatewaySandbox

        self.bigdata = ExchangeGatewaySandbox()
        server = BackgroundServer(self.bigdata).start()
        self._servers.append(server)
        return server.url

    def _start_bank_data_gateways(self) -> str:
        """ICBC's, CCB's and BOC's loan-detail gateways (S.6.1), each in its own dialect; their links as JSON."""
        from hpf.sandbox.bigdata import ExchangeGatewaySandbox

        links = {}
        for name in ("icbc", "ccb", "boc"):
            self.bank_data[name] = sandbox = ExchangeGatewaySandbox(name)
            server = BackgroundServer(sandbox).start()
            self._servers.append(server)
            client_id, secret = next(iter(sandbox.clients.items()))
            links[name] = {"url": server.url, "client_id": client_id, "secret": secret}
        return json.dumps(links)

    def _start_national_platform(self) -> str:
        """The national housing-fund data-sharing platform (S.9.7): its link as JSON, as a deployment gives it."""
        from hpf.sandbox.bigdata import ExchangeGatewaySandbox

        self.national = ExchangeGatewaySandbox("national")
        server = BackgroundServer(self.national).start()
        self._servers.append(server)
        return json.dumps({"url": server.url, "client_id": next(iter(self.national.clients))})

    def _config_key(self) -> str:
        """配置加密's key, kept with the state: the sealed secrets of an earlier run stay readable."""
        kept = self.state_dir / "config.key"
        if not kept.exists():
            kept.write_text(os.urandom(16).hex())
            kept.chmod(0o600)
        return kept.read_text().strip()

    def _hand_over_bank_keys(self) -> None:
        """证书管理 as the administrator does it before a national-algorithm counterpart's first query (CCB, the
        national platform): our SM2 key and an SM4 key made and handed over, its public key imported, all activated."""
        from hpf import bootstrap
        from hpf.identity.principal import Principal
        from hpf.identity.roles import CENTER_ORG, Channel, Role

        setup = Principal("platform-setup", "staff", frozenset({Role.DATA_ADMIN}), "平台初始化", org=CENTER_ORG,
                          channel=Channel.SYSTEM)
        keys = bootstrap.datashare_keys()
        for name, sandbox in {**self.bank_data, "national": self.national}.items():
            if not sandbox.dialect.national:
                continue
            made = [keys.create(name, kind, 366, "本地平台初始化：与沙箱交换密钥", setup,
                                public_key=sandbox.public_key if kind == "peer_sm2" else "")
                    for kind in ("own_sm2", "sm4", "peer_sm2")]
            for old in keys.listing():  # an earlier run's bank (another sandbox, another key) is gone
                if old.gateway == name and old.kind == "peer_sm2" and old.state == "active":
                    keys.retire(old.key_id, "沙箱已重启", setup)
            for created in made:
                keys.activate(created.record.key_id, "本地平台初始化", setup)
            sandbox.trust(next(iter(sandbox.clients)), made[0].handover, made[1].handover)

    def _connect_bank_fronts(self) -> None:
        """The center's front machine: each bank's arrival notices go to the settlement-notices queue."""
        from hpf.settlement.notices import NoticeFront

        queue = self.physical["SettlementNoticesQueue"]
        front = NoticeFront(lambda body, _id: client("sqs").send_message(QueueUrl=queue, MessageBody=body))
        for bank in self.banks.values():
            bank.subscribe(front)

    def _adopt_function_environments(self) -> None:
        """In process, every function shares one environment: adopt each function's variables, refusing two
        functions that give one variable different values (it would mean the template is inconsistent)."""
        lam = client("lambda")
        seen: dict[str, tuple[str, str]] = {}
        for name in self.registry.names():
            variables = lam.get_function_configuration(FunctionName=name).get("Environment", {}).get("Variables", {})
            for key, value in variables.items():
                value = str(value)  # a Number parameter arrives as a number
                if key in seen and seen[key][1] != value:
                    raise RuntimeError(f"{key} differs between {seen[key][0]} and {name}")
                seen[key] = (name, value)
                os.environ[key] = value

    def _write_state(self) -> None:
        state = {"gateway": self.gateway_url, "aws_endpoint": self.aws.endpoint if self.aws else None,
                 "identity": self.identity_url, "seal_system": self.seal_url, "licence_library": self.licence_url,
                 "bigdata": self.bigdata_url,
                 "stage": STAGE, "stack": STACK, "pid": os.getpid(),
                 "region": REGION, "log_file": str(self.log_file)}
        (self.state_dir / "local.json").write_text(json.dumps(state, indent=2), encoding="utf-8")

    def stop(self) -> None:
        self._stop.set()
        for server in reversed(self._servers):
            server.stop()
        for bank in self.banks.values():
            bank.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.aws:
            self.aws.stop()
        state = self.state_dir / "local.json"
        if state.exists():
            state.unlink()
