"""The stacks' config: written by govcloud as Pulumi config, read back in one place."""

from __future__ import annotations

import json

import pulumi
import pytest

from stacks import config as stack_config
from stacks.config import (
    PlatformConfig,
    TenancyConfig,
    ZoneTenancy,
    dns_label,
    pulumi_config_values,
)
from tests.stacks.conftest import RecordingMocks, run

POLICE = TenancyConfig(
    department="police",
    display_name="市公安局",
    zones=(ZoneTenancy("internet", 3, {"vcpu": 4, "public_ip": 1}),),
    admin_group="govcloud:police:admin",
    user_group="govcloud:police:user",
)


@pytest.mark.parametrize("config", [POLICE, PlatformConfig(zones=("internet",))])
def test_config_round_trips_through_pulumi_config(
    mocks: RecordingMocks, config: TenancyConfig | PlatformConfig
) -> None:
    values = pulumi_config_values(config)
    loaded: list[object] = []

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> None:
        pulumi.runtime.set_all_config(values)
        loaded.append(stack_config.load())

    run(program)
    assert loaded == [config]


def test_the_fingerprint_follows_the_content() -> None:
    same = TenancyConfig.from_json(json.loads(json.dumps(POLICE.to_json())))
    assert same.fingerprint() == POLICE.fingerprint()
    changed = TenancyConfig.from_json(
        {
            **POLICE.to_json(),
            "zones": [{"zone": "internet", "mlps_level": 3, "quotas": {"vcpu": 5, "public_ip": 1}}],
        }
    )
    assert changed.fingerprint() != POLICE.fingerprint()


def test_names_are_valid_dns_labels_even_when_long() -> None:
    long_code = "a" + "-b" * 31  # 63 characters: a valid department code
    name = dns_label(long_code, "extranet")
    assert len(name) <= 63
    assert name != dns_label(long_code[:-2] + "-c", "extranet")
    with pytest.raises(ValueError, match="DNS-1123"):
        dns_label("Bad_Name")


def test_config_refuses_what_a_namespace_cannot_hold() -> None:
    with pytest.raises(ValueError, match="hosts no shared capacity"):
        ZoneTenancy("intranet", 2)
    with pytest.raises(ValueError, match="mlps_level"):
        ZoneTenancy("internet", 5)
    with pytest.raises(ValueError, match="unknown resource class"):
        ZoneTenancy("internet", 2, {"gpus": 1})
