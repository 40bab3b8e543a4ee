"""The infrastructure's source is AWS SAM, one file per area plus a shared one; this module turns it into the
plain CloudFormation that both the local platform and a deployment receive.

- ``infra/shared.yaml`` holds what every area uses: parameters, ``Globals``, the data key, tables, buckets, code
  layers, the operators' alarms. ``infra/areas/<area>.yaml`` holds an area's functions (``AWS::Serverless::Function``
  with their events and policies), its queues, its API and its state machines. An area file refers to shared
  resources by logical id; ``assemble`` merges the files into one SAM template and refuses a logical id given twice.
- ``translate`` runs the translator AWS publishes (aws-sam-translator) offline. The translator wants every
  ``CodeUri`` to be an ``s3://`` URI already; a placeholder goes in and the function's local folder comes back as
  ``Code`` — the form `aws cloudformation package` uploads for a deployment and the local platform resolves in place.
  A government cloud without the SAM transform is given this translated template; no ``Transform`` is left in it.

``scripts/build-template`` writes both forms to ``build/infra/`` (cfn-lint checks both in scripts/test).
"""

from __future__ import annotations

import copy
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from hpf.local.template import ROOT, load_template

INFRA = ROOT / "infra"
SHARED = INFRA / "shared.yaml"
AREAS = INFRA / "areas"
_PLACEHOLDER_BUCKET = "hpf-code-uri-placeholder"
_MERGED_SECTIONS = ("Parameters", "Conditions", "Resources", "Outputs")


class DuplicateLogicalId(ValueError):
    pass


def assemble(shared: Path = SHARED, areas: Path = AREAS) -> dict[str, Any]:
    """The shared template with every area's sections merged in (areas in name order)."""
    template = load_template(shared)
    owner = {key: shared.name for section in _MERGED_SECTIONS for key in template.get(section, {})}
    for path in sorted(areas.glob("*.yaml")):
        fragment = load_template(path)
        unknown = set(fragment) - set(_MERGED_SECTIONS)
        if unknown:
            raise ValueError(f"{path.name}: an area file holds only {', '.join(_MERGED_SECTIONS)}, not {sorted(unknown)}")
        for section in _MERGED_SECTIONS:
            for key, value in fragment.get(section, {}).items():
                if key in owner:
                    raise DuplicateLogicalId(f"{key} is in both {owner[key]} and {path.name}")
                owner[key] = path.name
                template.setdefault(section, {})[key] = value
    return template


def translate(sam: dict[str, Any], region: str = "us-east-1") -> dict[str, Any]:
    """Plain CloudFormation from the SAM template (offline). ``region`` sets the partition of the ARNs SAM writes
    (``cn-north-1`` gives ``arn:aws-cn:``)."""
    import logging

    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.transform import transform

    logging.getLogger("samtranslator.metrics.metrics").setLevel(logging.ERROR)  # usage metrics we never publish

    sam = copy.deepcopy(sam)
    code_dirs: dict[str, str] = {}
    for logical_id, resource in sam["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            code_uri = resource["Properties"]["CodeUri"]
            if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
                raise ValueError(f"{logical_id}: CodeUri is the function's folder, relative to infra/")
            code_dirs[logical_id] = code_uri
            resource["Properties"]["CodeUri"] = f"s3://{_PLACEHOLDER_BUCKET}/{logical_id}"
    # The translator takes the region from a boto3 session, read once per process and kept: name it each time.
    previous = os.environ.get("AWS_DEFAULT_REGION"), ArnGenerator.BOTO_SESSION_REGION_NAME
    os.environ["AWS_DEFAULT_REGION"] = ArnGenerator.BOTO_SESSION_REGION_NAME = region
    try:
        plain = transform(sam, {}, _NoManagedPolicies())
    finally:
        ArnGenerator.BOTO_SESSION_REGION_NAME = previous[1]
        if previous[0] is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous[0]
    for logical_id, code_dir in code_dirs.items():
        properties = plain["Resources"][logical_id]["Properties"]
        if properties["Code"].get("S3Bucket") != _PLACEHOLDER_BUCKET:
            raise ValueError(f"{logical_id}: the translator changed the code location")
        properties["Code"] = code_dir
    return plain


@lru_cache(maxsize=1)
def _translated_once() -> dict[str, Any]:
    return translate(assemble())


def platform_template() -> dict[str, Any]:
    """The translated template of infra/ (computed once per process; callers get their own copy)."""
    return copy.deepcopy(_translated_once())


class _NoManagedPolicies:
    """SAM's loader of the account's managed policies by name: the templates name managed policies by ARN (or use
    SAM's built-in policy templates), so no lookup is needed — and none could be made offline."""

    def load(self) -> dict[str, str]:
        return {}
