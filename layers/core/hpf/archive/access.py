"""Who may see an archived file: staff within their office's scope; a depositor the files about them; a unit
agent their unit's."""

from __future__ import annotations

from hpf.archive.model import ArchiveRecord
from hpf.common.errors import Forbidden
from hpf.identity.principal import Principal
from hpf.identity.roles import Role


def require_record_visible(actor: Principal, record: ArchiveRecord) -> None:
    if actor.is_staff:
        actor.require_org(record.org)
        return
    if Role.DEPOSITOR in actor.roles and actor.id_number and actor.id_number == record.subject:
        return
    if Role.UNIT_AGENT in actor.roles and actor.unit_account and actor.unit_account == record.subject:
        return
    raise Forbidden("无权查看该档案", code="FORBIDDEN_SCOPE")
