"""A scenario checked against shared data (共享数据场景核验): each source the scenario reads queried under the
person's authorization, the answers evaluated by the scenario's rules. A source that is down makes the business
go the paper way with the reason shown — the check itself never fails on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hpf.datashare.model import SourceUnavailable
from hpf.datashare.scenarios import Evaluation, evaluate, scenario
from hpf.datashare.service import DataShareService, ShareQuery
from hpf.identity.principal import Principal


@dataclass(frozen=True)
class CheckRequest:
    scenario: str
    subject_id: str
    business_id: str
    authorization_id: str
    typed: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # a source's own key where it is not the subject's


class ScenarioChecks:
    def __init__(self, service: DataShareService):
        self._service = service

    def check(self, request: CheckRequest, actor: Principal) -> Evaluation:
        s = scenario(request.scenario)
        answers: dict[str, list[dict[str, Any]] | None] = {}
        ids: dict[str, str] = {}
        policy = self._service.policy()  # one read for every source the scenario asks
        for code in s.sources:
            try:
                answer = self._service.query(ShareQuery(code, s.code, request.subject_id, request.business_id,
                                                        request.authorization_id, request.keys.get(code, "")), actor,
                                             policy)
            except SourceUnavailable:
                answers[code] = None
                continue
            answers[code], ids[code] = answer.records, answer.query_id
        result = evaluate(s, request.typed, answers)
        result.query_ids = ids
        return result
