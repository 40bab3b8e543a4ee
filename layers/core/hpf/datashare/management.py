"""数据共享管理: the data-sharing administrator reads the policy in force and changes it one recorded change at a
time; auditors read the changes. What each kind of change means is hpf.datashare.governance."""

from __future__ import annotations

from typing import Any

from hpf.common.clock import Clock
from hpf.datashare.governance import Change, GatewayPolicy
from hpf.datashare.ports import PolicyStore
from hpf.identity.principal import Principal

MAX_CHANGES = 500


class GovernanceService:
    def __init__(self, store: PolicyStore, clock: Clock):
        self._store, self._clock = store, clock

    def policy(self) -> GatewayPolicy:
        return self._store.current()

    def change(self, kind: str, target: str, values: dict[str, Any], reason: str, expected_version: int,
               actor: Principal) -> GatewayPolicy:
        following, change = self._store.current().changed(kind, target, values, reason, actor, self._clock.now(),
                                                           expected_version)
        self._store.save(following, change)
        return following

    def changes(self, limit: int = 100) -> list[Change]:
        return self._store.changes(min(max(limit, 1), MAX_CHANGES))
